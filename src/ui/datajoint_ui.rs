//! Drawing the DataJoint view: a switch between it and the files view, and the table of rows
//! (key columns, then one column per attribute with its array's shape, dtype and size).

use std::collections::HashMap;

use egui::{Align, Layout, RichText};
use egui_extras::{Column as TableColumn, TableBuilder};

use super::command::Command;
use super::datajoint::DataJointRoom;
use super::format;
use crate::store::Entry;

/// Height of one table row.
const ROW_HEIGHT: f32 = 20.0;

impl DataJointRoom {
    /// "DataJoint" / "Files" buttons above a table folder's listing (`files`: the files view is
    /// shown).
    pub(crate) fn view_switch_ui(
        &self,
        ui: &mut egui::Ui,
        files: bool,
        commands: &mut Vec<Command>,
    ) {
        ui.horizontal(|ui| {
            ui.label("View:");
            if ui
                .add(egui::Button::selectable(!files, "DataJoint"))
                .on_hover_text("One row per primary key, one column per attribute")
                .clicked()
            {
                commands.push(Command::FilesView(false));
            }
            if ui
                .add(egui::Button::selectable(files, "Files"))
                .on_hover_text("The folders and .npy files of this level")
                .clicked()
            {
                commands.push(Command::FilesView(true));
            }
            if let Some((schema, table)) = &self.table_folder {
                ui.label(format!("table {schema}.{table}"));
            }
        });
    }

    /// The table folder's rows (cells from the browser's `entries`, `selected` highlighted and,
    /// with `scroll_to_selected`, scrolled to); a click on an attribute cell selects that array.
    pub(crate) fn table_ui(
        &self,
        ui: &mut egui::Ui,
        entries: &HashMap<String, Entry>,
        selected: Option<&str>,
        scroll_to_selected: &mut bool,
        commands: &mut Vec<Command>,
    ) {
        let Some(dj) = &self.table else {
            ui.label("Reading the table's rows...");
            return;
        };
        let count = dj.shown.len();
        let mut summary = format!(
            "{count} of {} rows, {} key attributes, {} array attributes",
            dj.rows.len(),
            dj.key_names.len(),
            dj.attributes.len()
        );
        if dj.other_objects > 0 {
            summary.push_str(&format!(
                "; {} objects outside the layout (see Files)",
                dj.other_objects
            ));
        }
        ui.label(summary);
        let available = ui.available_height();
        let ui_width = ui.available_width();
        let (sort_column, ascending) = self.sort;
        let keys = dj.key_names.len();
        let mut table = TableBuilder::new(ui);
        if std::mem::take(scroll_to_selected)
            && let Some(selected) = selected
            && let Some(at) = dj.shown.iter().position(|&i| {
                dj.rows
                    .get(i)
                    .is_some_and(|row| row.cells.iter().flatten().any(|p| p == selected))
            })
        {
            table = table.scroll_to_row(at, None);
        }
        let mut table = table
            .id_salt(("dj_rows", &dj.schema, &dj.table))
            .striped(true)
            .resizable(true)
            .cell_layout(Layout::left_to_right(Align::Center))
            .min_scrolled_height(0.0)
            .max_scroll_height(available);
        for _ in 0..keys {
            table = table.column(TableColumn::initial(90.0).at_least(40.0).clip(true));
        }
        // Attribute columns share what the key columns leave.
        let attributes = dj.attributes.len();
        let share = ((ui_width - 90.0 * keys as f32) / attributes.max(1) as f32).max(120.0);
        for i in 0..attributes {
            table = if i + 1 == attributes {
                table.column(TableColumn::remainder().at_least(80.0).clip(true))
            } else {
                table.column(TableColumn::initial(share).at_least(80.0).clip(true))
            };
        }
        table
            .header(ROW_HEIGHT, |mut header| {
                for (column, name) in dj.columns().enumerate() {
                    header.col(|ui| {
                        let hint = if column < keys {
                            "Primary-key attribute: sort by it (again: reverse)"
                        } else {
                            "Array attribute: sort by its size (again: reverse)"
                        };
                        let clicked = ui
                            .button(RichText::new(name).strong())
                            .on_hover_text(hint)
                            .clicked();
                        if sort_column == column {
                            ui.label(if ascending { "asc" } else { "desc" });
                        }
                        if clicked {
                            commands.push(Command::SortRowsBy(column));
                        }
                    });
                }
            })
            .body(|body| {
                body.rows(ROW_HEIGHT, count, |mut row| {
                    let Some(item) = dj.shown.get(row.index()).and_then(|&i| dj.rows.get(i)) else {
                        return;
                    };
                    let row_selected =
                        selected.is_some_and(|s| item.cells.iter().flatten().any(|p| p == s));
                    row.set_selected(row_selected);
                    for value in &item.key {
                        row.col(|ui| {
                            ui.label(value);
                        });
                    }
                    for cell in &item.cells {
                        row.col(|ui| {
                            let Some(path) = cell else {
                                ui.weak("-");
                                return;
                            };
                            let text = match entries.get(path).map(|e| &e.meta) {
                                Some(Ok(meta)) => format!(
                                    "{} {} {}",
                                    format::shape(&meta.shape),
                                    meta.dtype.display_name(),
                                    format::bytes(meta.nbytes)
                                ),
                                Some(Err(_)) => "error".to_string(),
                                None => "...".to_string(),
                            };
                            let is_selected = selected == Some(path.as_str());
                            let response = ui
                                .add(egui::Button::selectable(is_selected, text).truncate())
                                .on_hover_text(format!(
                                    "{}\nClick selects, double click previews",
                                    format::file_name(path)
                                ));
                            if response.clicked() {
                                commands.push(Command::Select(path.clone()));
                            }
                            if response.double_clicked() {
                                commands.push(Command::Select(path.clone()));
                                commands.push(Command::Preview);
                            }
                        });
                    }
                });
            });
    }
}
