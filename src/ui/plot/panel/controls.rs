//! The plot panel's controls: the mode buttons and Transpose, channels, gain, offset, sampling
//! rate, field and part, and the row window (another preview window, or the view moved).

use egui::RichText;

use super::{PREVIEW_ROWS, PlotPanel};
use crate::array::ComplexPart;
use crate::ui::plot::traces::{LaneSpec, Mode};
use crate::view;

impl PlotPanel {
    /// The mode buttons and the Transpose toggle.
    pub(super) fn mode_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            for mode in Mode::ALL {
                if ui
                    .add(egui::Button::selectable(self.mode == mode, mode.label()))
                    .clicked()
                    && self.mode != mode
                {
                    self.mode = mode;
                    self.reset = true;
                    self.start_pyramids();
                }
            }
            if self.mode != Mode::Image && LaneSpec::can_transpose(&self.data, &self.spec.field) {
                let mut transposed = self.spec.transposed;
                if ui
                    .checkbox(&mut transposed, "Transpose")
                    .on_hover_text("Channels are the rows (a (C, T) array)")
                    .changed()
                {
                    self.spec.transposed = transposed;
                    self.channels_text.clear();
                    self.reset = true;
                    self.spec_changed();
                }
            }
        });
    }

    /// Channels, gain, offset, sampling rate, field and part.
    pub(super) fn controls_ui(&mut self, ui: &mut egui::Ui) {
        let count = self.channel_count();
        ui.horizontal_wrapped(|ui| {
            let label = ui.label("Channels");
            let edit = ui
                .add(
                    egui::TextEdit::singleline(&mut self.channels_text)
                        .hint_text("e.g. 0-31 or 40,41")
                        .desired_width(120.0),
                )
                .labelled_by(label.id)
                .on_hover_text(format!(
                    "Channels 0 to {} (ranges and lists)",
                    count.saturating_sub(1)
                ));
            if edit.changed() {
                match view::parse_channels(&self.channels_text, count) {
                    Ok(channels) => {
                        self.channels = channels;
                        self.channels_error = None;
                        self.start_pyramids();
                    }
                    Err(err) => self.channels_error = Some(err.to_string()),
                }
            }
            let label = ui.label("Gain");
            ui.add(egui::DragValue::new(&mut self.gain).speed(0.01))
                .labelled_by(label.id);
            if self.mode == Mode::Stacked {
                let label = ui.label("Offset");
                let speed = (self.offset.abs() * 0.01).max(1e-6);
                ui.add(egui::DragValue::new(&mut self.offset).speed(speed))
                    .labelled_by(label.id);
            }
            let label = ui.label("Sampling rate (Hz)");
            let rate = ui
                .add(
                    egui::TextEdit::singleline(&mut self.rate_text)
                        .hint_text("none: x in rows")
                        .desired_width(80.0),
                )
                .labelled_by(label.id);
            if rate.changed() {
                // Typed by the user: no longer the row's value.
                self.rate_from = None;
            }
            if let Some(from) = &self.rate_from {
                ui.label(RichText::new(format!("from {from}")).weak())
                    .on_hover_text("The row's attribute; type another rate to override it");
            }
            if !self.fields.is_empty() {
                let mut chosen = self.spec.field.clone();
                egui::ComboBox::from_label("Field")
                    .selected_text(chosen.join("."))
                    .show_ui(ui, |ui| {
                        for f in &self.fields {
                            ui.selectable_value(&mut chosen, f.clone(), f.join("."));
                        }
                    });
                if chosen != self.spec.field {
                    self.spec.field = chosen;
                    self.spec.transposed = false;
                    self.channels_text.clear();
                    self.reset = true;
                    self.spec_changed();
                }
            }
            if self.complex {
                let mut part = self.spec.part;
                egui::ComboBox::from_label("Part")
                    .selected_text(part_name(part))
                    .show_ui(ui, |ui| {
                        for p in [
                            ComplexPart::Real,
                            ComplexPart::Imag,
                            ComplexPart::Magnitude,
                            ComplexPart::Phase,
                        ] {
                            ui.selectable_value(&mut part, p, part_name(p));
                        }
                    });
                if part != self.spec.part {
                    self.spec.part = part;
                    self.reset = true;
                    self.spec_changed();
                }
            }
        });
        if let Some(err) = &self.channels_error {
            ui.colored_label(ui.visuals().error_fg_color, err);
        }
        if !self.rate_text.trim().is_empty() && self.rate().is_none() {
            ui.colored_label(
                ui.visuals().error_fg_color,
                "The sampling rate must be a positive number of hertz; clear it to show rows",
            );
        }
    }

    /// The sampling rate typed, when it is a positive number.
    pub(super) fn rate(&self) -> Option<f64> {
        self.rate_text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|r| r.is_finite() && *r > 0.0)
    }

    /// Plot x per sample index.
    pub(super) fn x_scale(&self) -> f64 {
        self.rate().map_or(1.0, |r| 1.0 / r)
    }

    /// The row window: a preview asks the app for another window; whole data moves the view.
    pub(super) fn window_ui(&mut self, ui: &mut egui::Ui) {
        let total = self.spec.total_samples(&self.data);
        let first = self.spec.first_index(&self.data);
        let held = self.spec.samples(&self.data);
        ui.horizontal_wrapped(|ui| {
            if !self.data.is_whole() && !self.spec.transposed {
                let label = ui.label("Rows");
                let max_start = total.saturating_sub(1);
                let drag = ui
                    .add(egui::DragValue::new(&mut self.window_start).range(0..=max_start))
                    .labelled_by(label.id)
                    .on_hover_text("First row of the window to preview");
                if drag.drag_stopped() || (drag.changed() && !drag.dragged()) {
                    self.request_window(self.window_start);
                }
                if ui
                    .add_enabled(first > 0, egui::Button::new("< Earlier"))
                    .on_hover_text("Preview the window before this one (PageUp)")
                    .clicked()
                {
                    self.request_window(first.saturating_sub(PREVIEW_ROWS));
                }
                if ui
                    .add_enabled(first + held < total, egui::Button::new("Later >"))
                    .on_hover_text("Preview the window after this one (PageDown)")
                    .clicked()
                {
                    self.request_window(first + held);
                }
                ui.label(format!("Window: rows {}..{}", first, first + held));
            } else if held > 1 {
                let width = (self.visible.end - self.visible.start).max(1.0);
                let max_start = (held as f64 - width).max(0.0);
                let mut start = self.visible.start.clamp(0.0, max_start);
                let label = ui.label(if self.spec.transposed {
                    "Columns"
                } else {
                    "Rows"
                });
                let slider = ui
                    .add(
                        egui::Slider::new(&mut start, 0.0..=max_start.max(1.0))
                            .integer()
                            .show_value(true),
                    )
                    .labelled_by(label.id)
                    .on_hover_text("Move the visible rows");
                if slider.changed() {
                    self.goto = Some(start..start + width);
                }
            }
        });
    }

    /// Asks the app for the preview window starting at `start`.
    fn request_window(&mut self, start: u64) {
        let total = self.data.total_rows();
        let start = start.min(total.saturating_sub(1));
        self.window_start = start;
        self.requested_rows = Some(start..(start + PREVIEW_ROWS).min(total));
    }

    /// PageUp/PageDown: another preview window, or the view moved by its width.
    pub(super) fn page(&mut self, up: bool, down: bool) {
        if !up && !down {
            return;
        }
        if !self.data.is_whole() && !self.spec.transposed {
            let first = self.data.first_row();
            let held = self.data.shape().first().copied().unwrap_or(1);
            if up && first > 0 {
                self.request_window(first.saturating_sub(PREVIEW_ROWS));
            } else if down && first + held < self.data.total_rows() {
                self.request_window(first + held);
            }
        } else {
            let width = self.visible.end - self.visible.start;
            let shift = if up { -width } else { width };
            self.goto = Some(self.visible.start + shift..self.visible.end + shift);
        }
    }
}

/// A complex part's name in the Part menu.
fn part_name(part: ComplexPart) -> &'static str {
    match part {
        ComplexPart::Real => "Real",
        ComplexPart::Imag => "Imag",
        ComplexPart::Magnitude => "Magnitude",
        ComplexPart::Phase => "Phase",
    }
}
