//! The panels: stores (left), details (right), jobs and errors (bottom), and in the centre the
//! breadcrumb, the files table and the preview plot. Panels only read state and emit
//! [`Command`]s; the app applies them after the frame.

use egui::{Align, Layout, RichText};
use egui_extras::{Column as TableColumn, TableBuilder};

use super::app::{App, Column, Command, SlotState};
use super::format;
use crate::store::Entry;

/// Height of one table row.
const ROW_HEIGHT: f32 = 20.0;

impl App {
    /// Lays out the whole window.
    pub(crate) fn panels_ui(&mut self, ui: &mut egui::Ui) {
        // Before the panels: a focused button would take Enter as its own click.
        self.keys_ui(ui);
        // The status bar first, so it spans the whole width.
        egui::Panel::bottom("jobs")
            .resizable(false)
            .show(ui, |ui| self.jobs_ui(ui));
        egui::Panel::left("stores")
            .resizable(true)
            .default_size(200.0)
            .show(ui, |ui| self.stores_ui(ui));
        egui::Panel::right("details")
            .resizable(true)
            .default_size(300.0)
            .show(ui, |ui| self.details_ui(ui));
        egui::CentralPanel::default().show(ui, |ui| self.centre_ui(ui));
    }

    /// Backspace goes up, Enter opens the selected row, unless a text box has the keys.
    fn keys_ui(&mut self, ui: &egui::Ui) {
        if ui.ctx().egui_wants_keyboard_input() {
            return;
        }
        let (up, open, step) = ui.input(|i| {
            let step = if i.key_pressed(egui::Key::ArrowDown) {
                1
            } else if i.key_pressed(egui::Key::ArrowUp) {
                -1
            } else {
                0
            };
            (
                i.key_pressed(egui::Key::Backspace),
                i.key_pressed(egui::Key::Enter),
                step,
            )
        });
        if step != 0 {
            self.commands.push(Command::MoveSelection(step));
        }
        if up {
            self.commands.push(Command::GoUp);
        }
        if open {
            self.commands.push(Command::OpenSelected);
        }
    }

    fn stores_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading("Stores");
        ui.separator();
        egui::ScrollArea::vertical().show(ui, |ui| {
            for (index, slot) in self.stores.iter().enumerate() {
                let selected = self.current == Some(index);
                let ready = matches!(slot.state, SlotState::Ready(_));
                let button = ui
                    .add_enabled(
                        ready,
                        egui::Button::selectable(selected, slot.name.as_str()),
                    )
                    .on_hover_text(&slot.location);
                if button.clicked() {
                    self.commands.push(Command::SelectStore(index));
                }
                let status = match &slot.state {
                    SlotState::Opening(_) => RichText::new(format!("{} · opening…", slot.protocol)),
                    SlotState::Ready(_) => RichText::new(slot.protocol.as_str()),
                    SlotState::Failed(err) => RichText::new(format!("{}: {err}", slot.protocol))
                        .color(ui.visuals().error_fg_color),
                };
                ui.add(egui::Label::new(status.small()).wrap());
                ui.add_space(4.0);
            }
            if ui
                .button("Open folder…")
                .on_hover_text("Open a local folder of .npy files as a store")
                .clicked()
            {
                self.commands.push(Command::ChooseFolder);
            }
            if ui
                .button("Add store…")
                .on_hover_text("Add a folder or an S3 bucket as a store (kept in the settings)")
                .clicked()
            {
                self.commands
                    .push(Command::Open(super::open::OpenAction::AddStore));
            }
            if let Some(note) = &self.config_note {
                ui.separator();
                ui.add(egui::Label::new(RichText::new(note).small()).wrap());
            }
        });
    }

    fn centre_ui(&mut self, ui: &mut egui::Ui) {
        let Some(index) = self.current else {
            ui.label("Opening stores…");
            return;
        };
        self.breadcrumb_ui(ui, index);
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
                    "{} folders, {} arrays",
                    level.folders.len(),
                    level.objects.len()
                );
                if level.other_files > 0 {
                    counts.push_str(&format!(", {} other files not shown", level.other_files));
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
                    self.commands.push(Command::ReadAllHeaders);
                }
            }
        });
        if self.level.is_some() {
            let local = self.store(index).is_some_and(|s| s.is_local());
            ui.label(self.totals_text(local));
        }
        ui.separator();
        if self.plot.is_some() {
            // Most of the centre goes to the plot; the table keeps a few rows above it.
            let plot_height = (ui.available_height() - 160.0).max(260.0);
            egui::Panel::bottom("plot")
                .resizable(true)
                .default_size(plot_height)
                .show(ui, |ui| self.plot_ui(ui));
        }
        if let Some(err) = &self.listing_error {
            ui.colored_label(ui.visuals().error_fg_color, err);
        } else if self.level.is_none() {
            ui.label("Listing…");
        } else {
            if let Some(err) = &self.filter_error {
                ui.colored_label(ui.visuals().error_fg_color, err);
            }
            // A folder that only looks like a table (no array follows the layout) is files.
            let has_rows = self.dj.as_ref().is_none_or(|dj| !dj.rows.is_empty());
            let table = self.table_folder.is_some() && has_rows;
            if table {
                self.view_switch_ui(ui);
            }
            // A child ui, so the column lines end at the table, not under the plot.
            if table && !self.persisted.files_view {
                ui.scope(|ui| self.dj_table_ui(ui));
            } else {
                ui.scope(|ui| self.table_ui(ui));
            }
        }
    }

    fn breadcrumb_ui(&mut self, ui: &mut egui::Ui, index: usize) {
        ui.horizontal_wrapped(|ui| {
            let up = ui
                .add_enabled(!self.prefix.is_empty(), egui::Button::new("Up"))
                .on_hover_text("Parent folder (Backspace)");
            if up.clicked() {
                self.commands.push(Command::GoUp);
            }
            let root = format!("{}:", self.stores[index].name);
            if ui.button(root).on_hover_text("Top of the store").clicked() {
                self.commands.push(Command::OpenFolder(String::new()));
            }
            let mut path = String::new();
            for part in self.prefix.split('/').filter(|p| !p.is_empty()) {
                if !path.is_empty() {
                    path.push('/');
                }
                path.push_str(part);
                ui.label("/");
                if ui.button(part).clicked() {
                    self.commands.push(Command::OpenFolder(path.clone()));
                }
            }
        });
    }

    fn table_ui(&mut self, ui: &mut egui::Ui) {
        let available = ui.available_height();
        let sort = self.sort;
        let mut commands = Vec::new();
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
                    row.col(|ui| {
                        let hint = if item.is_folder {
                            "Folder: Enter or a double click opens it"
                        } else {
                            "Array: Enter or a double click previews it"
                        };
                        let response = ui
                            .add(egui::Button::selectable(selected, item.name.as_str()).truncate())
                            .on_hover_text(hint);
                        if response.clicked() {
                            commands.push(Command::Select(item.path.clone()));
                        }
                        if response.double_clicked() {
                            commands.push(Command::Select(item.path.clone()));
                            commands.push(Command::OpenSelected);
                        }
                    });
                    row.col(|ui| {
                        ui.label(&item.shape_text);
                    });
                    row.col(|ui| {
                        ui.label(&item.dtype_text);
                    });
                    row.col(|ui| {
                        if let Some(size) = item.size_bytes {
                            ui.label(format::bytes(size));
                        }
                    });
                });
                if first_shown < last_shown {
                    visible = first_shown..last_shown;
                }
            });
        self.visible_rows = visible;
        self.commands.extend(commands);
    }

    fn details_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading("Details");
        ui.separator();
        let Some(path) = self.selected.clone() else {
            ui.label("Select an array to see its metadata.");
            return;
        };
        let store = self.current.and_then(|i| self.store(i)).cloned();
        if self
            .level
            .as_ref()
            .is_some_and(|l| l.folders.contains(&path))
        {
            ui.label(format!("Folder {}", format::file_name(&path)));
            ui.label("Enter or a double click opens it.");
            return;
        }
        let Some(entry) = self.selected_entry() else {
            ui.label(format::file_name(&path));
            ui.label("Reading the header…");
            return;
        };
        let mut commands = Vec::new();
        egui::ScrollArea::vertical().show(ui, |ui| {
            let local = store.as_ref().is_some_and(|s| s.is_local());
            let cached = match (&self.selected_cached, local) {
                (_, true) => "local file (read in place, nothing to download)",
                (Some((p, Some(true))), _) if *p == path => "yes, in the download cache",
                (Some((p, Some(false))), _) if *p == path => "no (Memory-map downloads it)",
                _ => "checking...",
            };
            details_grid_ui(ui, entry, cached);
            ui.add_space(8.0);
            let file = store.as_ref().and_then(|s| s.local_path(&path));
            ui.horizontal_wrapped(|ui| {
                let copy_text = match &file {
                    Some(file) => file.display().to_string(),
                    None => format!("{}:{}", entry.store, path),
                };
                if ui.button("Copy path").on_hover_text(&copy_text).clicked() {
                    commands.push(Command::Copy {
                        text: copy_text,
                        note: "Copied the path".to_string(),
                    });
                }
                let python = file
                    .as_ref()
                    .map(|f| format::python_mmap(&f.display().to_string()));
                let button = ui
                    .add_enabled(python.is_some(), egui::Button::new("Copy Python"))
                    .on_hover_text("np.load(path, mmap_mode='r')")
                    .on_disabled_hover_text("Only for stores on this machine");
                if button.clicked()
                    && let Some(python) = python
                {
                    commands.push(Command::Copy {
                        text: python,
                        note: "Copied the Python snippet".to_string(),
                    });
                }
            });
            ui.horizontal_wrapped(|ui| {
                let readable = entry.meta.is_ok();
                if ui
                    .add_enabled(readable, egui::Button::new("Preview"))
                    .on_hover_text(format!(
                        "Read the first {} rows and plot them",
                        super::app::PREVIEW_ROWS
                    ))
                    .clicked()
                {
                    commands.push(Command::Preview);
                }
                if ui
                    .add_enabled(readable, egui::Button::new("Load"))
                    .on_hover_text("Load the whole array into memory")
                    .clicked()
                {
                    commands.push(Command::Load);
                }
                if ui
                    .add_enabled(readable, egui::Button::new("Memory-map"))
                    .on_hover_text(
                        "Map the array without reading it (a remote one is downloaded to the cache first)",
                    )
                    .clicked()
                {
                    commands.push(Command::MemoryMap);
                }
            });
            if let Some(loaded) = &self.loaded
                && loaded.path == path
            {
                ui.label(format!(
                    "In memory: {}",
                    format::bytes(loaded.array.nbytes() as u64)
                ));
            }
            if let Some(mapped) = &self.mapped
                && mapped.path == path
            {
                ui.label(format!(
                    "Mapped: {}",
                    format::bytes(mapped.array.meta().nbytes)
                ));
            }
        });
        self.commands.extend(commands);
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

    fn plot_ui(&mut self, ui: &mut egui::Ui) {
        if let Some(plot) = &mut self.plot {
            plot.ui(ui);
        }
    }

    fn jobs_ui(&mut self, ui: &mut egui::Ui) {
        let jobs = self.running_jobs();
        let mut commands = Vec::new();
        ui.add_space(2.0);
        if jobs.is_empty() {
            ui.label("No jobs running");
        }
        // When each job was first seen, for its rate and time left.
        let now = std::time::Instant::now();
        self.job_started
            .retain(|id, _| jobs.iter().any(|j| j.id == *id));
        for job in &jobs {
            self.job_started.entry(job.id).or_insert(now);
        }
        for job in &jobs {
            let elapsed = self
                .job_started
                .get(&job.id)
                .map_or(0.0, |t| now.duration_since(*t).as_secs_f64());
            ui.horizontal(|ui| {
                ui.label(&job.label);
                let progress = &job.progress;
                let text = format::progress(
                    progress.done(),
                    progress.total(),
                    progress.is_bytes(),
                    elapsed,
                );
                ui.add(
                    egui::ProgressBar::new(progress.fraction())
                        .desired_width(320.0)
                        .text(text),
                );
                if ui.button("Cancel").on_hover_text(&job.label).clicked() {
                    commands.push(Command::Cancel(job.id));
                }
            });
        }
        if let Some(note) = &self.note {
            ui.label(note);
        }
        if let Some(err) = self.errors.last() {
            ui.horizontal(|ui| {
                ui.add(
                    egui::Label::new(RichText::new(err).color(ui.visuals().error_fg_color)).wrap(),
                );
                if self.errors.len() > 1 {
                    ui.label(format!("(+{} earlier)", self.errors.len() - 1));
                }
                if ui.button("Dismiss").clicked() {
                    commands.push(Command::DismissErrors);
                }
            });
        }
        ui.add_space(2.0);
        self.commands.extend(commands);
    }
}

/// The metadata of one entry as a two-column grid.
fn details_grid_ui(ui: &mut egui::Ui, entry: &Entry, cached: &str) {
    egui::Grid::new("details_grid")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            let row = |ui: &mut egui::Ui, name: &str, value: String| {
                ui.label(name);
                ui.add(egui::Label::new(value).wrap());
                ui.end_row();
            };
            row(
                ui,
                "name",
                format::file_name(&entry.object.path).to_string(),
            );
            match &entry.meta {
                Ok(meta) => {
                    row(ui, "shape", format::shape(&meta.shape));
                    row(ui, "dtype", meta.dtype.display_name());
                    row(ui, "ndim", meta.ndim().to_string());
                    row(ui, "size", meta.size.to_string());
                    row(
                        ui,
                        "nbytes",
                        format!("{} ({})", meta.nbytes, format::bytes(meta.nbytes)),
                    );
                    row(
                        ui,
                        "order",
                        if meta.fortran_order { "Fortran" } else { "C" }.to_string(),
                    );
                }
                Err(err) => row(ui, "error", err.to_string()),
            }
            row(ui, "path", entry.object.path.clone());
            row(ui, "store", entry.store.clone());
            if let Some(dj) = &entry.datajoint {
                row(ui, "schema", dj.schema.clone());
                row(ui, "table", dj.table.clone());
                let key: Vec<String> = dj.key.iter().map(|(k, v)| format!("{k}={v}")).collect();
                row(ui, "key", key.join(", "));
                row(ui, "attribute", dj.attribute.clone());
            }
            row(
                ui,
                "object size",
                format!(
                    "{} ({})",
                    entry.object.size,
                    format::bytes(entry.object.size)
                ),
            );
            row(ui, "modified", format::time(&entry.object.last_modified));
            row(ui, "cached", cached.to_string());
        });
}
