//! The frame's layout: which room draws where. The jobs bar (status room) at the bottom, the
//! stores panel on the left, the details of the selected array on the right, and in the centre
//! the browser (breadcrumb, filter, files table or DataJoint view) with the plot panel of the
//! actions room below it. Panels only read state and emit [`Command`]s; the app applies them
//! after the frame.

use egui::RichText;

use super::app::App;
use super::command::Command;
use super::contents;
use super::format;
use super::plot::PREVIEW_ROWS;
use crate::store::Entry;

/// What to do first on the demo's first table (shown until something is plotted).
const DEMO_HINT: &str = "The demo's recording table: a row per session, a column per attribute. \
     Double-click a waveform cell to plot it; Up shows the other tables.";

impl App {
    /// Lays out the whole window.
    pub(crate) fn panels_ui(&mut self, ui: &mut egui::Ui) {
        // Before the panels: a focused button would take Enter as its own click.
        self.keys_ui(ui);
        // The status bar first, so it spans the whole width.
        let jobs = self.running_jobs();
        egui::Panel::bottom("jobs")
            .resizable(false)
            .show(ui, |ui| self.status.ui(ui, &jobs, &mut self.commands));
        let current = self.browser.current;
        egui::Panel::left("stores")
            .resizable(true)
            .default_size(200.0)
            .show(ui, |ui| {
                let current = current.filter(|_| !self.database.active);
                self.stores.ui(ui, current, &mut self.commands);
                self.database.tree_ui(ui, &mut self.commands);
            });
        egui::Panel::right("details")
            .resizable(true)
            .default_size(300.0)
            .show(ui, |ui| self.details_ui(ui));
        egui::CentralPanel::default().show(ui, |ui| self.centre_ui(ui));
    }

    /// Backspace goes up, Enter opens the selected row, arrows move the selection, unless a
    /// text box has the keys.
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
        if self.database.active {
            // The database table: arrows move the selected cell's row, Enter previews an
            // <npy@> cell.
            if step != 0 {
                self.commands.push(Command::DbMoveSelection(step));
            }
            if open && self.database.selected_is_array() {
                self.commands
                    .push(Command::DbCell(super::database::CellAction::Preview));
            }
            return;
        }
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

    /// The browser's breadcrumb, filter and table (or the DataJoint view), with the plot below.
    fn centre_ui(&mut self, ui: &mut egui::Ui) {
        if self.database.active {
            self.plot_panel_ui(ui);
            ui.scope(|ui| self.database.table_ui(ui, &mut self.commands));
            return;
        }
        if self.browser.current.is_none() {
            ui.label("Opening stores…");
            return;
        }
        self.browser.breadcrumb_ui(ui, &mut self.commands);
        self.browser.filter_ui(ui, &mut self.commands);
        ui.separator();
        self.plot_panel_ui(ui);
        if let Some(err) = &self.browser.listing_error {
            ui.colored_label(ui.visuals().error_fg_color, err);
        } else if self.browser.level.is_none() {
            ui.label("Listing…");
        } else {
            if let Some(err) = &self.browser.filter_error {
                ui.colored_label(ui.visuals().error_fg_color, err);
            }
            // A folder that only looks like a table (no array follows the layout) is files.
            let table = self.datajoint.has_rows();
            let files_view = self.persisted.files_view;
            if table {
                self.datajoint
                    .view_switch_ui(ui, files_view, &mut self.commands);
            }
            if self.actions.plot.is_none() && self.browser.shows_demo_first_table() {
                ui.label(RichText::new(DEMO_HINT).italics());
            }
            // A child ui, so the column lines end at the table, not under the plot.
            if table && !files_view {
                let browser = &mut self.browser;
                ui.scope(|ui| {
                    self.datajoint.table_ui(
                        ui,
                        &browser.entries,
                        browser.selected.as_deref(),
                        &mut browser.scroll_to_selected,
                        &mut self.commands,
                    )
                });
            } else {
                ui.scope(|ui| self.browser.table_ui(ui, &mut self.commands));
            }
        }
    }

    /// The plot of what was last previewed, loaded or mapped, below the centre's table: most of
    /// the centre goes to the plot; the table keeps a few rows above it.
    fn plot_panel_ui(&mut self, ui: &mut egui::Ui) {
        if self.actions.plot.is_some() {
            let plot_height = (ui.available_height() - 160.0).max(260.0);
            egui::Panel::bottom("plot")
                .resizable(true)
                .default_size(plot_height)
                .show(ui, |ui| self.actions.plot_ui(ui));
        }
    }

    /// The details panel: the selected array's metadata, where it is, and its actions (what the
    /// browser selected, what the actions room holds of it).
    fn details_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading("Details");
        ui.separator();
        if self.database.active {
            self.database
                .details_ui(ui, &self.contents, &mut self.commands);
            return;
        }
        let Some(path) = self.browser.selected.clone() else {
            ui.label("Select an array to see its metadata.");
            return;
        };
        let store = self.browser.store().cloned();
        if self.browser.selected_folder().is_some() {
            ui.label(format!("Folder {}", format::file_name(&path)));
            ui.label("Enter or a double click opens it.");
            return;
        }
        let Some(entry) = self.browser.selected_entry() else {
            ui.label(format::file_name(&path));
            ui.label("Reading the header…");
            return;
        };
        egui::ScrollArea::vertical().show(ui, |ui| {
            let local = store.as_ref().is_some_and(|s| s.is_local());
            let cached = match (&self.actions.selected_cached, local) {
                (_, true) => "local file (read in place, nothing to download)",
                (Some((p, Some(true))), _) if *p == path => "yes, in the download cache",
                (Some((p, Some(false))), _) if *p == path => "no (Memory-map downloads it)",
                _ => "checking...",
            };
            details_grid_ui(ui, entry, cached);
            if contents::holds_contents(entry) {
                ui.separator();
                let key = contents::object_key(&entry.store, &path);
                self.contents.ui(ui, &key, &mut self.commands);
            }
            ui.add_space(8.0);
            let file = store.as_ref().and_then(|s| s.local_path(&path));
            ui.horizontal_wrapped(|ui| {
                let copy_text = match &file {
                    Some(file) => file.display().to_string(),
                    None => format!("{}:{}", entry.store, path),
                };
                if ui.button("Copy path").on_hover_text(&copy_text).clicked() {
                    self.commands.push(Command::Copy {
                        text: copy_text,
                        note: "Copied the path".to_string(),
                    });
                }
                let python = file
                    .as_ref()
                    .filter(|_| entry.format == crate::store::Format::Npy)
                    .map(|f| format::python_mmap(&f.display().to_string()));
                let button = ui
                    .add_enabled(python.is_some(), egui::Button::new("Copy Python"))
                    .on_hover_text("np.load(path, mmap_mode='r')")
                    .on_disabled_hover_text("Only for stores on this machine");
                if button.clicked()
                    && let Some(python) = python
                {
                    self.commands.push(Command::Copy {
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
                        PREVIEW_ROWS
                    ))
                    .clicked()
                {
                    self.commands.push(Command::Preview);
                }
                if ui
                    .add_enabled(readable, egui::Button::new("Load"))
                    .on_hover_text("Load the whole array into memory")
                    .clicked()
                {
                    self.commands.push(Command::Load);
                }
                let refusal = entry
                    .meta
                    .as_ref()
                    .ok()
                    .and_then(|meta| entry.format.mmap_refusal(meta));
                if ui
                    .add_enabled(
                        readable && refusal.is_none(),
                        egui::Button::new("Memory-map"),
                    )
                    .on_disabled_hover_text(refusal.unwrap_or("No array to map"))
                    .on_hover_text(
                        "Map the array without reading it (a remote one is downloaded to the cache first)",
                    )
                    .clicked()
                {
                    self.commands.push(Command::MemoryMap);
                }
            });
            if let Some(loaded) = &self.actions.loaded
                && loaded.path == path
            {
                ui.label(format!(
                    "In memory: {}",
                    format::bytes(loaded.array.nbytes() as u64)
                ));
            }
            if let Some(mapped) = &self.actions.mapped
                && mapped.path == path
            {
                ui.label(format!(
                    "Mapped: {}",
                    format::bytes(mapped.array.meta().nbytes)
                ));
            }
        });
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
                Err(err) => match entry.not_an_array() {
                    Some(what) => row(ui, "holds", what),
                    None => row(ui, "error", err.to_string()),
                },
            }
            row(ui, "format", entry.format.name().to_string());
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
