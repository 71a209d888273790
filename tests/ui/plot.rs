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
