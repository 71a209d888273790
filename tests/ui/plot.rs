//! The plot panel: modes per shape, channel choice, gain, the row window, fields and complex parts.

use egui::accesskit::{Role, Toggled};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use npyscope::ui::App;

use crate::common::*;

/// Whether the button labelled `name` is shown selected.
fn is_selected<'h>(harness: &'h Harness<'_, App>, name: &'h str) -> bool {
    harness
        .query_all_by_label(name)
        .any(|n| n.accesskit_node().toggled() == Some(Toggled::True))
}

/// The text of the text box labelled `label`.
fn text_box_value<'h>(harness: &'h Harness<'_, App>, label: &'h str) -> Option<String> {
    harness
        .query_all_by_label(label)
        .find(|n| n.accesskit_node().role() == Role::TextInput)
        .and_then(|n| n.value())
}

/// Replaces the text of the text box labelled `label`.
fn set_text_box(harness: &mut Harness<'_, App>, label: &str, text: &str) {
    harness
        .query_all_by_label(label)
        .find(|n| n.accesskit_node().role() == Role::TextInput)
        .expect("the text box")
        .set_text_value_accesskit(text);
    harness.step();
}

/// From start-up to the demo waveform's first preview window plotted.
fn preview_waveform(harness: &mut Harness<'_, App>) {
    select_waveform(harness);
    harness.get_by_label("Preview").click();
    step_until(harness, "the preview's title", |h| {
        has_label_containing(h, "Preview rows 0-100,000 of 300,000")
    });
}

/// Whether a combo box shows `value` as its choice.
fn has_combo<'h>(harness: &'h Harness<'_, App>, value: &'h str) -> bool {
    harness
        .query_all_by_role(Role::ComboBox)
        .any(|n| n.value().as_deref() == Some(value))
}

/// Opens the combo box showing `value`.
fn open_combo(harness: &mut Harness<'_, App>, value: &str) {
    harness
        .query_all_by_role(Role::ComboBox)
        .find(|n| n.value().as_deref() == Some(value))
        .expect("the combo box")
        .click();
    harness.step();
}

/// From start-up to the session folder's `name_` array previewed.
fn preview(harness: &mut Harness<'_, App>, name: &str, title: &str) {
    harness.get_by_label_contains(name).click();
    step_until(harness, "the Preview button", |h| has_label(h, "Preview"));
    harness.get_by_label("Preview").click();
    step_until(harness, title, |h| has_label_containing(h, title));
}

#[test]
fn preview_shows_stacked_channels_and_checks_the_channel_text() {
    let mut setup = setup(None);
    let harness = &mut setup.harness;
    preview_waveform(harness);
    assert!(is_selected(harness, "Stacked"), "a (T, 32) array stacks");
    assert!(!is_selected(harness, "Line"));
    assert_eq!(text_box_value(harness, "Channels").as_deref(), Some("0-31"));
    assert!(has_label(harness, "32 channels shown"));
    assert!(has_label_containing(harness, "Window: rows 0..100000"));
    // Statistics follow once the view rests.
    step_until(harness, "the statistics of the window", |h| {
        has_label_containing(h, "Statistics of rows 0..100000")
            && !has_label_containing(h, "updating")
    });

    set_text_box(harness, "Channels", "0-3");
    step_until(harness, "four traces and their statistics", |h| {
        has_label(h, "4 channels shown") && has_label_containing(h, "ch    3: min")
    });
    assert!(!has_label_containing(harness, "ch    4: min"));

    // Gain changes the drawing, not the channels.
    let gain = harness
        .query_all_by_label("Gain")
        .find(|n| n.accesskit_node().role() != Role::Label)
        .expect("the Gain value");
    gain.set_value_accesskit(2.5);
    harness.step();
    let gain = harness
        .query_all_by_label("Gain")
        .find(|n| n.accesskit_node().role() != Role::Label)
        .expect("the Gain value");
    assert_eq!(gain.accesskit_node().numeric_value(), Some(2.5));
    assert!(has_label(harness, "4 channels shown"));

    // Channels past the end: the error says so, the traces stay.
    set_text_box(harness, "Channels", "40-50");
    step_until(harness, "the channel error", |h| {
        has_label_containing(h, "channel 40 does not exist: there are 32 channels")
    });
    assert!(
        has_label(harness, "4 channels shown"),
        "the last good choice stays"
    );
    harness.check_accessibility();
}

#[test]
fn later_asks_for_the_next_window() {
    let mut setup = setup(None);
    let harness = &mut setup.harness;
    preview_waveform(harness);
    set_text_box(harness, "Channels", "2,5");
    step_until(harness, "two traces", |h| has_label(h, "2 channels shown"));
    harness.get_by_label("Later >").click();
    step_until(harness, "the next window", |h| {
        has_label_containing(h, "Preview rows 100,000-200,000 of 300,000")
    });
    // The channel choice survives a new window of the same array.
    assert_eq!(text_box_value(harness, "Channels").as_deref(), Some("2,5"));
    assert!(has_label(harness, "2 channels shown"));
    harness.get_by_label("< Earlier").click();
    step_until(harness, "the first window again", |h| {
        has_label_containing(h, "Preview rows 0-100,000 of 300,000")
    });
    // PageDown over the plot asks for the next window too.
    let plot = harness.get_by_label_contains("Statistics of rows").rect();
    harness.hover_at(egui::pos2(plot.center().x + 200.0, plot.top() - 60.0));
    harness.step();
    harness.key_press(egui::Key::PageDown);
    step_until(harness, "PageDown's window", |h| {
        has_label_containing(h, "Preview rows 100,000-200,000 of 300,000")
    });
}

#[test]
fn memory_map_titles_the_plot_and_one_axis_draws_a_line() {
    let mut setup = setup(None);
    let harness = &mut setup.harness;
    select_waveform(harness);
    harness.get_by_label("Memory-map").click();
    step_until(harness, "the mapped plot", |h| {
        has_label(h, "Memory-mapped")
    });
    assert!(is_selected(harness, "Stacked"));
    assert!(has_label(harness, "32 channels shown"));

    // spike_times is 1-D: a line.
    preview(harness, "spike_times_", "Preview rows 0-");
    assert!(is_selected(harness, "Line"), "a 1-D array is a line");
    assert!(has_label(harness, "1 channel shown"));

    // sampling_rate is 0-d: its value as text.
    harness.get_by_label_contains("sampling_rate_").click();
    step_until(harness, "the Load button", |h| has_label(h, "Load"));
    harness.get_by_label("Load").click();
    step_until(harness, "the loaded value", |h| {
        has_label(h, "Loaded") && has_label_containing(h, "Value: ")
    });
    harness.check_accessibility();
}

#[test]
fn structured_fields_and_complex_parts() {
    let mut setup = setup(None);
    let harness = &mut setup.harness;
    demo_top(harness);
    open_folder(harness, "_schema/", "demo_ephys/");
    open_folder(harness, "demo_ephys/", "spike_event/");
    open_table_as_files(harness, "spike_event/", "subject_id=mouse01/");
    open_folder(harness, "subject_id=mouse01/", "session=1/");
    open_folder(harness, "session=1/", "events_");
    preview(harness, "events_", "Preview rows 0-");
    // The Field menu lists the numeric fields; the first is chosen.
    assert!(has_combo(harness, "time_s"), "the first field is chosen");
    open_combo(harness, "time_s");
    step_until(harness, "the fields listed", |h| {
        ["channel", "amplitude_uv", "snippet"]
            .iter()
            .all(|field| has_label(h, field))
    });
    harness.get_by_label("snippet").click();
    step_until(harness, "the snippet's 8 elements", |h| {
        has_label(h, "8 channels shown")
    });

    // The spectrogram is complex: a Part menu with Magnitude.
    harness.get_by_label("Demo:").click();
    step_until(harness, "the top", |h| has_label(h, "_schema/"));
    open_folder(harness, "_schema/", "demo_ephys/");
    open_folder(harness, "demo_ephys/", "spectrogram/");
    open_table_as_files(harness, "spectrogram/", "subject_id=mouse01/");
    open_folder(harness, "subject_id=mouse01/", "session=1/");
    open_folder(harness, "session=1/", "stft_");
    step_until(harness, "the stft header", |h| has_label(h, "(257, 400)"));
    preview(harness, "stft_", "Preview rows 0-257 of 257");
    assert!(is_selected(harness, "Image"), "(257, 400) is an image");
    // Stacked over the 400 columns, or with Transpose over the 257 rows.
    harness.get_by_label("Stacked").click();
    step_until(harness, "the stacked columns", |h| {
        has_label(h, "32 channels shown")
    });
    harness.get_by_label("Transpose").click();
    step_until(harness, "the rows as channels", |h| {
        has_label_containing(h, "Statistics of columns 0..400")
    });
    assert_eq!(text_box_value(harness, "Channels").as_deref(), Some("0-31"));
    set_text_box(harness, "Channels", "256");
    step_until(harness, "the last row as a channel", |h| {
        has_label(h, "1 channel shown")
    });
    harness.get_by_label("Line").click();
    step_until(harness, "the Part menu", |h| has_combo(h, "Real"));
    open_combo(harness, "Real");
    step_until(harness, "the parts listed", |h| {
        ["Imag", "Magnitude", "Phase"]
            .iter()
            .all(|part| has_label(h, part))
    });
    harness.get_by_label("Magnitude").click();
    step_until(harness, "Magnitude chosen", |h| has_combo(h, "Magnitude"));
    harness.check_accessibility();
}

/// The demo waveform's value at (`row`, `channel`) (session 1, 32 float32 channels), read from its file.
fn waveform_value(row: u64, channel: u64) -> f64 {
    let folder = demo_dir().join("_schema/demo_ephys/recording/subject_id=mouse01/session=1");
    let file = std::fs::read_dir(&folder)
        .expect("the session folder")
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with("waveform_"))
        .expect("the waveform file");
    let bytes = std::fs::read(file.path()).expect("the waveform's bytes");
    let start = npyscope::npy::header_total_len(&bytes).expect("a header") as usize;
    let at = start + ((row * 32 + channel) * 4) as usize;
    let value: [u8; 4] = bytes[at..at + 4].try_into().expect("4 bytes");
    f64::from(f32::from_le_bytes(value))
}

/// The hover read-out shown, as (channel, stored row, value): `ch C · row R · V`, or with a sampling
/// rate (30 kHz in the demo) `ch C · T s · V`.
fn read_out(harness: &Harness<'_, App>) -> Option<(u64, u64, f64)> {
    harness
        .query_all_by_label_contains(" · ")
        .filter_map(|n| {
            // A label's text is its value.
            let node = n.accesskit_node();
            node.value().or_else(|| node.label())
        })
        .find_map(|text| {
            let parts: Vec<&str> = text.split(" · ").collect();
            let [ch, time, value] = parts.as_slice() else {
                return None;
            };
            let channel = ch.strip_prefix("ch ")?.parse().ok()?;
            let row = match time.strip_suffix(" s") {
                Some(seconds) => (seconds.parse::<f64>().ok()? * 30_000.0).round() as u64,
                None => time.strip_prefix("row ")?.parse().ok()?,
            };
            Some((channel, row, value.parse().ok()?))
        })
}

#[test]
fn hovering_stacked_traces_reads_out_channel_row_and_value() {
    let mut setup = setup(None);
    let harness = &mut setup.harness;
    preview_waveform(harness);
    set_text_box(harness, "Channels", "5,9");
    step_until(harness, "two traces and their statistics", |h| {
        has_label(h, "2 channels shown")
            && has_label_containing(h, "Statistics of rows")
            && !has_label_containing(h, "updating")
    });
    assert!(read_out(harness).is_none(), "no read-out before hovering");
    // The plot lies between the status line and the statistics under it; channel 5's band is its
    // lower half, channel 9's the upper half.
    let top = harness.get_by_label("2 channels shown").rect().bottom();
    let stats = harness.get_by_label_contains("Statistics of rows").rect();
    let x = stats.center().x + 200.0;
    for (y, channel) in [
        (stats.top() - 70.0, 5),
        (top + 0.35 * (stats.top() - top), 9),
    ] {
        harness.hover_at(egui::pos2(x, y));
        step_until(harness, "the read-out", |h| {
            read_out(h).is_some_and(|(c, _, _)| c == channel)
        });
        let (c, row, value) = read_out(harness).expect("the read-out");
        assert_eq!(c, channel);
        assert!(row < 100_000, "row {row} is previewed");
        let expected = waveform_value(row, c);
        assert!(
            (value - expected).abs() <= 1e-3 * expected.abs() + 1e-3,
            "read-out {value} at row {row} of channel {c}; the file holds {expected}"
        );
    }
}

/// Channels of the heatmap recording (more than the plot has pixel rows for traces).
const HEAT_CHANNELS: usize = 400;
/// Rows of the heatmap recording; the step in its values is halfway.
const HEAT_ROWS: u64 = 4000;

/// A (4000, 400) float32 recording in `dir`: channel c holds 0 in rows before 2000 and c + 1 from
/// row 2000 on, so the heatmap is dark on the left and, on the right, brighter for later channels.
fn write_step_recording(dir: &std::path::Path) -> std::path::PathBuf {
    use npyscope::npy::{ByteOrder, DType, ScalarKind, ScalarType, encode_header};
    let dtype = DType::Scalar(ScalarType {
        order: ByteOrder::Little,
        kind: ScalarKind::Float(4),
    });
    let mut bytes = encode_header(&dtype, false, &[HEAT_ROWS, HEAT_CHANNELS as u64]);
    for row in 0..HEAT_ROWS {
        for c in 0..HEAT_CHANNELS {
            let v = if row < HEAT_ROWS / 2 {
                0.0
            } else {
                c as f32 + 1.0
            };
            bytes.extend_from_slice(&v.to_le_bytes());
        }
    }
    let path = dir.join("step_recording.npy");
    std::fs::write(&path, bytes).expect("the recording");
    path
}

/// A test renderer that keeps the heatmap images the app uploads (the only textures one pixel row
/// per channel) and drops every other texture change.
#[derive(Clone, Default)]
struct HeatUploads(std::sync::Arc<std::sync::Mutex<Vec<std::sync::Arc<egui::ColorImage>>>>);

impl egui_kittest::TestRenderer for HeatUploads {
    fn handle_delta(&mut self, delta: &mut egui::TexturesDelta) {
        let mut kept = self.0.lock().expect("the uploads");
        for (_, sets) in std::mem::take(&mut delta.set) {
            for set in sets {
                let egui::ImageData::Color(image) = set.image;
                let nearest = set.options.magnification == egui::TextureFilter::Nearest;
                if set.pos.is_none() && nearest && image.size[1] == HEAT_CHANNELS {
                    kept.push(image);
                }
            }
        }
        delta.free.clear();
    }
}

impl HeatUploads {
    /// The images uploaded since the last call.
    fn take(&self) -> Vec<std::sync::Arc<egui::ColorImage>> {
        std::mem::take(&mut *self.0.lock().expect("the uploads"))
    }
}

/// Steps until the heatmap is uploaded and then stays (no upload for 20 frames and 1.5 s: the view is
/// still and nothing is recomputed); returns the last image uploaded and how many were.
fn settled_heatmap(
    harness: &mut Harness<'_, App>,
    uploads: &HeatUploads,
) -> (std::sync::Arc<egui::ColorImage>, usize) {
    let started = std::time::Instant::now();
    let mut last = None;
    let mut count = 0;
    let mut quiet = 0;
    let mut since = std::time::Instant::now();
    // Still means 20 frames and a second and a half without an upload (a busy machine computes
    // a heatmap slowly).
    while last.is_none() || quiet < 20 || since.elapsed() < std::time::Duration::from_millis(1500) {
        harness.step();
        let new = uploads.take();
        if new.is_empty() {
            quiet += 1;
        } else {
            count += new.len();
            last = new.last().cloned();
            quiet = 0;
            since = std::time::Instant::now();
        }
        assert!(started.elapsed() < TIMEOUT, "the heatmap did not settle");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    (last.expect("a heatmap"), count)
}

/// Lightness of the heatmap pixel (sum of its channels; Viridis grows lighter from low to high).
fn lightness(image: &egui::ColorImage, x: usize, y: usize) -> u32 {
    let p = image.pixels[y * image.size[0] + x];
    u32::from(p.r()) + u32::from(p.g()) + u32::from(p.b())
}

/// The fraction of the image's width where its top row (the last channel) turns from dark to
/// light: where the recording's rows reach 2000.
fn step_at(image: &egui::ColorImage) -> f64 {
    let dark = lightness(image, 0, 0).min(lightness(image, image.size[0] - 1, 0));
    let first_light = (0..image.size[0])
        .find(|&x| lightness(image, x, 0) > dark + 50)
        .expect("a light part");
    first_light as f64 / image.size[0] as f64
}

/// Every column is dark before `step` and, from there on, ordered by channel (lighter rows are
/// later channels, the last on top).
fn assert_heatmap_shows_the_step(image: &egui::ColorImage, step: f64) {
    let [width, height] = image.size;
    assert_eq!(height, HEAT_CHANNELS);
    let before = ((step * width as f64) as usize).saturating_sub(2);
    let after = ((step * width as f64) as usize + 2).min(width - 1);
    for x in [0, before / 2, before] {
        let first = lightness(image, x, 0);
        assert!(
            (0..height).all(|y| lightness(image, x, y) == first),
            "column {x} of {width} is one colour (all channels 0 there)"
        );
    }
    for x in [after, (after + width) / 2, width - 1] {
        // Channels 10, 200 and 390 (inside the 1..99 percentile range): lighter for later ones.
        let at = |c: usize| lightness(image, x, height - 1 - c);
        assert!(
            at(390) > at(200) && at(200) > at(10),
            "column {x} of {width}: {} {} {}",
            at(10),
            at(200),
            at(390)
        );
    }
}

/// The rows in view, from the statistics' header `Statistics of rows A..B`.
fn stats_rows(harness: &Harness<'_, App>) -> Option<(f64, f64)> {
    let text = harness
        .query_all_by_label_contains("Statistics of rows ")
        .find_map(|n| text_of(&n))?;
    let range = text.strip_prefix("Statistics of rows ")?;
    let range = range.split(' ').next()?;
    let (a, b) = range.split_once("..")?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

#[test]
fn a_heatmap_of_many_channels_shows_their_data_after_zooming_and_when_still() {
    let work = tempfile::tempdir().expect("a temporary folder");
    let file = write_step_recording(work.path());
    let mut options = options(work.path());
    options.open = Some(file);
    let uploads = HeatUploads::default();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .renderer(uploads.clone())
        .build_eframe(move |cc| App::new(cc, options));
    let harness = &mut harness;
    // The array opened is previewed: all of its 4,000 rows.
    step_until(harness, "the preview", |h| {
        has_label(h, "Preview rows 0-4,000 of 4,000") && has_label(h, "No jobs running")
    });
    set_text_box(harness, "Channels", &format!("0-{}", HEAT_CHANNELS - 1));
    step_until(harness, "the heatmap and the channels' overview", |h| {
        has_label_containing(h, &format!("Heatmap: {HEAT_CHANNELS} channels"))
            && has_label(h, "No jobs running")
    });
    // The whole recording is in view: the step is halfway across.
    let (image, _) = settled_heatmap(harness, &uploads);
    let step = step_at(&image);
    assert!((step - 0.5).abs() < 0.02, "step at {step} of the width");
    assert_heatmap_shows_the_step(&image, step);
    // Still: the same image stays, nothing is uploaded again.
    for _ in 0..10 {
        harness.step();
        assert!(uploads.take().is_empty(), "a still view uploads nothing");
    }

    // Zoom in (twice as close) around a point left of the middle and let the view rest.
    let top = harness.get_by_label("Save PNG").rect().bottom();
    let left = harness.get_by_label("Export .npy").rect().left();
    let at = egui::pos2(left + 150.0, top + 200.0);
    harness.hover_at(at);
    harness.step();
    harness.event(egui::Event::Zoom(2.0));
    let (mut zoomed, count) = settled_heatmap(harness, &uploads);
    assert!(count >= 1, "the zoom drew a new image");
    step_until(harness, "the statistics of the rows in view", |h| {
        stats_rows(h).is_some_and(|(a, b)| a > 0.0 || b < HEAT_ROWS as f64)
            && !has_label_containing(h, "updating")
    });
    if let Some(last) = uploads.take().last() {
        zoomed = last.clone();
    }
    // The image covers exactly the rows in view: the step sits where row 2000 is among them.
    let (a, b) = stats_rows(harness).expect("the rows in view");
    let expected = (HEAT_ROWS as f64 / 2.0 - a) / (b - a);
    let moved = step_at(&zoomed);
    assert!(
        (moved - expected).abs() < 0.02 && (moved - step).abs() > 0.05,
        "step at {moved} of the width after zooming to rows {a}..{b} (expected {expected})"
    );
    assert_heatmap_shows_the_step(&zoomed, moved);
    harness.check_accessibility();
}
