//! Drawing of the contents room: a blob's tree in the details panel, one line per node (its
//! label and [`BlobValue::summary`]), containers collapsible, numeric arrays with a Plot button.

use egui::RichText;

use super::command::Command;
use super::contents::ContentsRoom;
use crate::blob::BlobValue;

/// Most children drawn under one node (a cell of 100,000 items shows its first ones).
const CHILDREN_SHOWN: usize = 200;

impl ContentsRoom {
    /// The tree of the blob named `key` (or that it is being read, or why it cannot be shown).
    pub(crate) fn ui(&self, ui: &mut egui::Ui, key: &str, commands: &mut Vec<Command>) {
        ui.label(RichText::new("Contents").strong());
        if self.is_reading(key) {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Reading the blob…");
            });
            return;
        }
        match &self.shown {
            Some((k, Ok(value))) if k == key => {
                let mut path = Vec::new();
                node_ui(ui, key, "", value, &mut path, commands);
            }
            Some((k, Err(err))) if k == key => {
                ui.colored_label(ui.visuals().error_fg_color, err);
            }
            _ => {
                ui.label("Select the blob again to read it.");
            }
        }
    }
}

/// One node: a leaf as a line (a numeric array with Plot), a container as a collapsible header
/// over its children (open at the top).
fn node_ui(
    ui: &mut egui::Ui,
    key: &str,
    label: &str,
    value: &BlobValue,
    path: &mut Vec<String>,
    commands: &mut Vec<Command>,
) {
    let line = if label.is_empty() {
        value.summary()
    } else {
        format!("{label}: {}", value.summary())
    };
    let count = value.child_count();
    if count == 0 {
        ui.horizontal_wrapped(|ui| {
            ui.label(line);
            if let BlobValue::Array(array) = value
                && array.is_numeric()
                && array.size() > 0
                && ui
                    .small_button("Plot")
                    .on_hover_text("Plot this array (it is in memory)")
                    .clicked()
            {
                commands.push(Command::PlotContents {
                    key: key.to_string(),
                    path: path.clone(),
                });
            }
        });
        return;
    }
    egui::CollapsingHeader::new(line)
        .id_salt((key, path.as_slice()))
        .default_open(path.is_empty())
        .show(ui, |ui| {
            for k in 0..count.min(CHILDREN_SHOWN) {
                let Some((segments, child)) = value.child(k) else {
                    break;
                };
                let label = segments.join(".");
                let depth = path.len();
                path.extend(segments);
                node_ui(ui, key, &label, child, path, commands);
                path.truncate(depth);
            }
            if count > CHILDREN_SHOWN {
                ui.label(format!("… {} more", count - CHILDREN_SHOWN));
            }
        });
}
