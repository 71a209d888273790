//! Tests of the plot panel: the background overview (pyramids) and the title's numbers.

use super::*;

/// A whole (T, C) float32 array in memory, value `t + 1000 c`.
fn whole(rows: u64, channels: u64) -> PlotData {
    let dtype = crate::npy::DType::Scalar(crate::npy::ScalarType {
        order: crate::npy::ByteOrder::Little,
        kind: ScalarKind::Float(4),
    });
    let bytes: Vec<u8> = (0..rows)
        .flat_map(|t| (0..channels).map(move |c| (t + 1000 * c) as f32))
        .flat_map(f32::to_le_bytes)
        .collect();
    let array = crate::array::NdArray::from_parts(&dtype, false, &[rows, channels], &bytes)
        .expect("an array");
    PlotData::Memory {
        array: Arc::new(array),
        first_row: 0,
        total_rows: rows,
    }
}

/// A one-worker runtime (kept alive by the caller) and the jobs that run on it.
fn jobs() -> (tokio::runtime::Runtime, Jobs) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .expect("a runtime");
    let jobs = Jobs::new(runtime.handle().clone(), None);
    (runtime, jobs)
}

#[test]
fn big_whole_data_builds_pyramids_in_the_background() {
    let (_runtime, jobs) = jobs();
    let rows = PYRAMID_ROWS + 5;
    let mut panel = PlotPanel::new(
        "a/rec.npy".into(),
        whole(rows, 3),
        Source::Loaded,
        None,
        &jobs,
        None,
    );
    assert_eq!(panel.mode, Mode::Stacked);
    assert_eq!(panel.title(), "Loaded");
    let job = panel.job_rows();
    assert_eq!(job.len(), 1);
    assert_eq!(job[0].label, "Building overview of rec.npy");
    let started = std::time::Instant::now();
    while panel.pyramids.len() < 3 {
        assert!(started.elapsed().as_secs() < 60, "the overview never came");
        std::thread::sleep(std::time::Duration::from_millis(5));
        panel.poll_pyramids();
    }
    assert!(panel.job_rows().is_empty());
    assert!(panel.pyramid_note.is_none());
    // The pyramid answers exactly what decimation does.
    let req = TraceRequest {
        range: 0..rows,
        width: 500,
        channels: vec![2],
        spec: panel.spec.clone(),
        generation: panel.generation,
    };
    let fast = traces::compute(&panel.data, &req, &panel.pyramids);
    assert_eq!(fast.traces[0].min[0], 2000.0);
    assert_eq!(
        fast.traces[0].max.last().copied(),
        Some((rows - 1 + 2000) as f64)
    );
    assert_eq!(fast.stride, 1);

    // A preview window gets no pyramid job; cancelling a job stops it.
    let small = PlotPanel::new(
        "a/rec.npy".into(),
        whole(1000, 3),
        Source::Loaded,
        None,
        &jobs,
        None,
    );
    assert!(small.job_rows().is_empty());
    let mut cancelled = PlotPanel::new(
        "a/rec.npy".into(),
        whole(rows, 3),
        Source::Loaded,
        None,
        &jobs,
        None,
    );
    let id = cancelled.job_rows()[0].id;
    cancelled.cancel_job(id);
    let started = std::time::Instant::now();
    while !cancelled.job_rows().is_empty() {
        assert!(started.elapsed().as_secs() < 60, "the cancel never landed");
        std::thread::sleep(std::time::Duration::from_millis(5));
        cancelled.poll_pyramids();
    }
    assert!(cancelled.pyramids_stopped);
}

#[test]
fn thousands_separators() {
    assert_eq!(thousands(0), "0");
    assert_eq!(thousands(999), "999");
    assert_eq!(thousands(100_000), "100,000");
    assert_eq!(thousands(3_600_000), "3,600,000");
}

#[test]
fn a_preview_of_the_same_array_again_keeps_the_mode_and_the_image_frame() {
    let (_runtime, jobs) = jobs();
    let preview = |path: &str| {
        PlotPanel::new(
            path.into(),
            whole(60, 4),
            Source::Preview,
            None,
            &jobs,
            None,
        )
    };
    let mut slot = Some(preview("a/stack.npy"));
    if let Some(panel) = slot.as_mut() {
        panel.mode = Mode::Image;
        panel.image.spec_mut().index = vec![5, 0];
    }
    // The same array previewed again (the window opened on it, then the Preview button).
    PlotPanel::present(&mut slot, preview("a/stack.npy"));
    let kept = slot.as_mut().expect("a panel");
    assert_eq!(kept.mode, Mode::Image);
    assert_eq!(kept.image.spec_mut().index, vec![5, 0]);
    // Another array starts from the default view.
    PlotPanel::present(&mut slot, preview("a/other.npy"));
    let other = slot.as_mut().expect("a panel");
    assert!(other.image.spec_mut().index.iter().all(|&i| i == 0));
}
