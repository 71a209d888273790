//! Drawing the browser: the breadcrumb, the filter box with the level's counts and the totals
//! line, and the files table.

use egui::{Align, Layout, RichText};
use egui_extras::{Column as TableColumn, TableBuilder};

use super::browser::BrowserRoom;
use super::command::{Column, Command};
use super::format;
use crate::display::count;

/// Height of one table row.
const ROW_HEIGHT: f32 = 20.0;

impl BrowserRoom {
    /// Up, the store's name (its top) and a button per folder of the path shown.
    pub(crate) fn breadcrumb_ui(&self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let root_name = self.store_name();
        ui.horizontal_wrapped(|ui| {
            let up = ui
                .add_enabled(!self.prefix.is_empty(), egui::Button::new("Up"))
                .on_hover_text("Parent folder (Backspace)");
            if up.clicked() {
                commands.push(Command::GoUp);
            }
            let root = format!("{root_name}:");
            if ui.button(root).on_hover_text("Top of the store").clicked() {
                commands.push(Command::OpenFolder(String::new()));
            }
            let mut path = String::new();
            for part in self.prefix.split('/').filter(|p| !p.is_empty()) {
                if !path.is_empty() {
                    path.push('/');
                }
                path.push_str(part);
                ui.label("/");
                if ui.button(part).clicked() {
                    commands.push(Command::OpenFolder(path.clone()));
                }
            }
        });
    }

    /// The filter box (Ctrl+F focuses it), the level's counts and "Read all headers", then the
    /// totals line.
    pub(crate) fn filter_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let find = ui.input(|i| i.modifiers.command && i.key_pressed(egui::Key::F));
        ui.horizontal(|ui| {
            let label = ui.label("Filter:");
            let filter = ui
                .add(
                    egui::TextEdit::singleline(&mut self.filter)
                        .hint_text("name, dtype:float32, shape[0] > 1000 (Ctrl+F)")
                        .desired_width(280.0),
                )
                .labelled_by(label.id)
                .on_hover_text(crate::filter::HELP);
            if find {
                filter.request_focus();
            }
            if let Some(level) = &self.level {
                let mut counts = format!(
                    "{}, {}",
                    count(level.folders.len() as u64, "folder"),
                    count(level.objects.len() as u64, "array")
                );
                if level.other_files > 0 {
                    let other = count(level.other_files as u64, "other file");
                    counts.push_str(&format!(", {other} not shown"));
                }
                ui.label(counts);
                let partial = self.header_queue.as_ref().is_some_and(|q| !q.reads_all());
                if partial
                    && ui
                        .button("Read all headers")
                        .on_hover_text(
                            "Headers are read as rows come into view; this reads every one \
                             (one small ranged request each), with a progress bar",
                        )
                        .clicked()
                {
                    commands.push(Command::ReadAllHeaders);
                }
                let remote = self.store().is_some_and(|s| !s.is_local());
                if remote
                    && self.folder_sizes_wanted()
                    && ui
                        .button("Count folder sizes")
                        .on_hover_text(
                            "Lists everything below this folder (no data is read) and shows \
                             each folder's arrays and bytes, with a progress bar",
                        )
                        .clicked()
                {
                    commands.push(Command::CountFolderSizes);
                }
            }
        });
        if self.level.is_some() {
            let local = self.store().is_some_and(|s| s.is_local());
            ui.label(self.totals_text(local));
        }
    }

    /// `3 arrays · 36.62 MiB · on this machine` (remote: `· 0 B cached`) for the arrays shown.
    fn totals_text(&self, local: bool) -> String {
        let totals = &self.totals;
        let noun = if totals.arrays == 1 {
            "array"
        } else {
            "arrays"
        };
        let mut text = format!("{} {noun} · {}", totals.arrays, format::bytes(totals.bytes));
        if local {
            text.push_str(" · on this machine");
        } else {
            match totals.cached {
                Some(cached) => text.push_str(&format!(" · {} cached", format::bytes(cached))),
                None => text.push_str(" · counting cached…"),
            }
        }
        text
    }

    /// The files table: folders, then arrays, with shape, dtype and size; a click selects, a
    /// double click anywhere on a row opens a folder or previews an array. Records which rows were drawn (their headers are read
    /// first).
    pub(crate) fn table_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        if self.headers_waiting() {
            // Headers over the last frame's budget are applied in the next.
            ui.ctx().request_repaint();
        }
        let available = ui.available_height();
        let sort = self.sort;
        let mut visible = 0..0;
        let mut builder = TableBuilder::new(ui);
        if std::mem::take(&mut self.scroll_to_selected)
            && let Some(at) = self
                .selected
                .as_ref()
                .and_then(|s| self.row_index.get(s).copied())
        {
            builder = builder.scroll_to_row(at, None);
        }
        builder
            .id_salt("files")
            .striped(true)
            .sense(egui::Sense::click())
            .resizable(true)
            .cell_layout(Layout::left_to_right(Align::Center))
            .column(TableColumn::initial(320.0).at_least(120.0).clip(true))
            .column(TableColumn::initial(130.0).at_least(60.0))
            .column(TableColumn::initial(90.0).at_least(50.0))
            .column(TableColumn::remainder().at_least(70.0))
            .min_scrolled_height(0.0)
            .max_scroll_height(available)
            .header(ROW_HEIGHT, |mut header| {
                for (column, name) in [
                    (Column::Name, "Name"),
                    (Column::Shape, "Shape"),
                    (Column::Dtype, "Dtype"),
                    (Column::Size, "Size"),
                ] {
                    header.col(|ui| {
                        let clicked = ui
                            .button(RichText::new(name).strong())
                            .on_hover_text("Sort by this column (again: reverse)")
                            .clicked();
                        if sort.0 == column {
                            ui.label(if sort.1 { "asc" } else { "desc" });
                        }
                        if clicked {
                            commands.push(Command::SortBy(column));
                        }
                    });
                }
            })
            .body(|body| {
                let mut first_shown = usize::MAX;
                let mut last_shown = 0;
                body.rows(ROW_HEIGHT, self.rows.len(), |mut row| {
                    first_shown = first_shown.min(row.index());
                    last_shown = last_shown.max(row.index() + 1);
                    let Some(item) = self.rows.get(row.index()) else {
                        return;
                    };
                    let selected = self.selected.as_deref() == Some(item.path.as_str());
                    row.set_selected(selected);
                    // Plain labels: a click anywhere on the row reaches the row (the cells sense
                    // clicks), not a label's text selection.
                    let hint = if item.is_folder {
                        "Folder: Enter or a double click opens it"
                    } else {
                        "Array: Enter or a double click previews it"
                    };
                    // The hint on the name only: a tooltip over the whole row would cover the
                    // row below and take its clicks.
                    row.col(|ui| {
                        ui.add(
                            egui::Label::new(item.name.as_str())
                                .selectable(false)
                                .truncate(),
                        )
                        .on_hover_text(hint);
                    });
                    row.col(|ui| {
                        ui.add(egui::Label::new(&item.shape_text).selectable(false));
                    });
                    row.col(|ui| {
                        ui.add(egui::Label::new(&item.dtype_text).selectable(false));
                    });
                    row.col(|ui| {
                        if let Some(size) = item.size_bytes {
                            ui.add(egui::Label::new(format::bytes(size)).selectable(false));
                        }
                    });
                    let response = row.response();
                    if response.clicked() {
                        commands.push(Command::Select(item.path.clone()));
                    }
                    if response.double_clicked() {
                        commands.push(Command::Select(item.path.clone()));
                        commands.push(Command::OpenSelected);
                    }
                });
                if first_shown < last_shown {
                    visible = first_shown..last_shown;
                }
            });
        self.visible_rows = visible;
    }
}
