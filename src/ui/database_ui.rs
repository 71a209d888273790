//! Drawing the database room: the schema/table tree in the left panel, the open table (rows ×
//! attributes, read a page at a time as they scroll into view), and the selected cell's details
//! with Preview / Load / Memory-map for a cell holding an array, or a blob's contents.

use egui::{Align, Layout, RichText};
use egui_extras::{Column as TableColumn, TableBuilder};

use super::command::{Command, DataAction, OpenAction};
use super::contents::ContentsRoom;
use super::database::{CellAction, DatabaseRoom, OpenTable, PAGE_ROWS};
use super::format;
use crate::db::{BlobShape, CellValue};
use crate::display::count;

/// Height of one table row.
const ROW_HEIGHT: f32 = 20.0;

impl DatabaseRoom {
    /// The database's part of the left panel: where it is, whether it answers, and its schemas
    /// with their tables (a schema's tables are read when it is opened).
    pub(crate) fn tree_ui(&self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let Some(spec) = &self.spec else {
            return;
        };
        ui.separator();
        ui.horizontal(|ui| {
            ui.heading("Database");
            if ui
                .small_button("Change…")
                .on_hover_text("Connect to another database, or change this connection")
                .clicked()
            {
                commands.push(Command::Open(OpenAction::ConnectDatabase));
            }
        });
        let server = spec.describe();
        if self.needs_password {
            ui.add(egui::Label::new(RichText::new(server).small()).wrap());
            ui.weak("The password was not remembered.");
            if ui.button("Enter password…").clicked() {
                commands.push(Command::Open(OpenAction::ConnectDatabase));
            }
            return;
        }
        match (&self.db, &self.error) {
            (Some(db), _) => {
                let tls = if db.uses_tls() { "TLS" } else { "no TLS" };
                ui.add(egui::Label::new(RichText::new(format!("{server} · {tls}")).small()).wrap());
            }
            (None, Some(err)) => {
                ui.add(
                    egui::Label::new(
                        RichText::new(err.as_str())
                            .small()
                            .color(ui.visuals().error_fg_color),
                    )
                    .wrap(),
                );
            }
            (None, None) => {
                ui.add(
                    egui::Label::new(RichText::new(format!("{server} · connecting…")).small())
                        .wrap(),
                );
            }
        }
        if self.db.is_some() && self.schemas.is_empty() {
            ui.weak("No DataJoint schemas here.");
        }
        let open = self
            .open
            .as_ref()
            .filter(|_| self.active)
            .map(|o| (o.table.schema.as_str(), o.table.sql_name.as_str()));
        for schema in &self.schemas {
            egui::CollapsingHeader::new(RichText::new(&schema.name).strong())
                .id_salt(("db_schema", &schema.name))
                .default_open(self.schemas.len() == 1)
                .show(ui, |ui| match (&schema.tables, &schema.error) {
                    (Some(tables), _) => {
                        for table in tables {
                            let selected =
                                open == Some((schema.name.as_str(), table.sql_name.as_str()));
                            let text = format!("{} · {}", table.class_name, table.tier.name());
                            let mut hover = format!("{}.{}", schema.name, table.sql_name);
                            if !table.comment.is_empty() {
                                hover.push_str(&format!("\n{}", table.comment));
                            }
                            if ui
                                .add(egui::Button::selectable(selected, text))
                                .on_hover_text(hover)
                                .clicked()
                            {
                                commands.push(Command::DbOpenTable {
                                    schema: schema.name.clone(),
                                    table: table.sql_name.clone(),
                                });
                            }
                        }
                    }
                    (None, Some(err)) => {
                        ui.colored_label(ui.visuals().error_fg_color, err);
                    }
                    (None, None) => {
                        commands.push(Command::DbExpandSchema(schema.name.clone()));
                        ui.weak("reading…");
                    }
                });
        }
    }

    /// The open table: a title line, the restriction box, and the rows.
    pub(crate) fn table_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let Some(open) = &mut self.open else {
            ui.label("Choose a table in the database tree.");
            return;
        };
        let table = &open.table;
        let rows = match (open.rows, open.rows_exact) {
            (Some(n), true) => count(n, "row"),
            (Some(n), false) => format!("about {}", count(n, "row")),
            (None, _) => "counting rows…".to_string(),
        };
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(format!("{}.{}", table.schema, table.class_name)).strong());
            ui.label(format!("{} · {rows}", table.tier.name()));
            if !table.comment.is_empty() {
                ui.weak(&table.comment);
            }
        });
        if !table.parents.is_empty() || !table.children.is_empty() {
            ui.horizontal_wrapped(|ui| {
                if !table.parents.is_empty() {
                    ui.weak(format!("parents: {}", table.parents.join(", ")));
                }
                if !table.children.is_empty() {
                    ui.weak(format!("children: {}", table.children.join(", ")));
                }
            });
        }
        ui.horizontal(|ui| {
            let label = ui.label("Restrict:");
            let response = ui
                .add(
                    egui::TextEdit::singleline(&mut open.restriction)
                        .hint_text("attr=value  session>=2  waveform.shape[0]>1000")
                        .desired_width(ui.available_width().min(420.0)),
                )
                .labelled_by(label.id)
                .on_hover_text(
                    "Terms ATTR=VALUE (also !=, <, <=, >, >=; ATTR=null), separated by spaces, \
                     all must hold; quote values with spaces: label=\"item 7\". \
                     <npy@> columns by their metadata, as in the files filter: \
                     waveform.shape[0]>1000, waveform.dtype:float32, waveform.nbytes>10MB, \
                     ndim=2 (the column may be left out when the table has one). Enter applies.",
                );
            if response.lost_focus() {
                commands.push(Command::DbRestrict(open.restriction.clone()));
            }
        });
        if let Err(err) = &open.terms {
            ui.colored_label(ui.visuals().error_fg_color, err);
        }
        if let Some(err) = &open.error {
            ui.colored_label(ui.visuals().error_fg_color, err);
        }
        rows_ui(open, ui, commands);
    }

    /// The selected cell's row and, for a cell holding an array (`<npy@>`, `<blob@>`, `<blob>`),
    /// its array and actions; a blob holding something else shows its contents' tree.
    pub(crate) fn details_ui(
        &self,
        ui: &mut egui::Ui,
        contents: &ContentsRoom,
        commands: &mut Vec<Command>,
    ) {
        let Some(open) = &self.open else {
            ui.label("Choose a table in the database tree.");
            return;
        };
        let Some((row_index, column)) = open.selected else {
            ui.label("Select a cell to see its row.");
            return;
        };
        let Some(row) = open.row(row_index) else {
            ui.label("Reading the row…");
            return;
        };
        let attributes = open.table.display_attributes();
        egui::ScrollArea::vertical().show(ui, |ui| {
            if let (Some(attribute), Some(value)) = (attributes.get(column), row.values.get(column))
                && let Some(cell) = self.cell_details(value, open.blobs.read_for(row_index))
            {
                ui.label(RichText::new(&attribute.name).strong());
                egui::Grid::new("db_cell").num_columns(2).show(ui, |ui| {
                    for (name, value) in cell
                        .rows
                        .into_iter()
                        .chain([("type", attribute.dj_type.clone())])
                    {
                        ui.label(name);
                        ui.add(egui::Label::new(value).wrap());
                        ui.end_row();
                    }
                });
                if cell.array {
                    cell_actions_ui(ui, cell.can_map, cell.copy, commands);
                } else if cell.contents {
                    ui.separator();
                    if let Some(key) = self.contents_key() {
                        contents.ui(ui, &key, commands);
                    }
                }
                ui.separator();
            }
            ui.label(RichText::new("Row").strong());
            egui::Grid::new("db_row")
                .num_columns(2)
                .striped(true)
                .show(ui, |ui| {
                    for (attribute, value) in attributes.iter().zip(&row.values) {
                        let name = if attribute.in_key {
                            RichText::new(&attribute.name).strong()
                        } else {
                            RichText::new(&attribute.name)
                        };
                        ui.label(name).on_hover_text(format!(
                            "{}{}",
                            attribute.dj_type,
                            if attribute.comment.is_empty() {
                                String::new()
                            } else {
                                format!(" — {}", attribute.comment)
                            }
                        ));
                        ui.add(egui::Label::new(value.display()).wrap());
                        ui.end_row();
                    }
                });
        });
    }
}

/// The rows of the open table, virtualised: only the rows in view are drawn, and the room reads
/// their pages when they are not read yet.
fn rows_ui(open: &mut OpenTable, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
    let attributes = open.table.display_attributes();
    // Until the count arrives, show what is read plus a page to scroll into.
    let total = match (open.rows, open.rows_exact) {
        (Some(n), _) => n,
        (None, _) => open.pages.len() as u64 * PAGE_ROWS + PAGE_ROWS,
    };
    let total = usize::try_from(total).unwrap_or(usize::MAX);
    let available = ui.available_height();
    let sort = open.order.clone();
    let mut table = TableBuilder::new(ui)
        .id_salt(("db_rows", &open.table.schema, &open.table.sql_name))
        .striped(true)
        .resizable(true)
        .cell_layout(Layout::left_to_right(Align::Center))
        .min_scrolled_height(0.0)
        .max_scroll_height(available);
    if let Some(row) = open.scroll_to.take() {
        table = table.scroll_to_row(row as usize, None);
    }
    for attribute in &attributes {
        let width = match attribute.kind {
            crate::db::ValueKind::Codec(_) => 200.0,
            _ => 100.0,
        };
        table = table.column(TableColumn::initial(width).at_least(40.0).clip(true));
    }
    // The rows drawn this frame: (first, one past the last); none yet.
    let mut seen: Option<(u64, u64)> = None;
    table
        .header(ROW_HEIGHT, |mut header| {
            for (column, attribute) in attributes.iter().enumerate() {
                header.col(|ui| {
                    let mut text = RichText::new(&attribute.name);
                    if attribute.in_key {
                        text = text.strong();
                    }
                    let clicked = ui
                        .button(text)
                        .on_hover_text(format!(
                            "{}{}\nClick: sort by it (again: reverse, a third time: by key)",
                            attribute.dj_type,
                            if attribute.comment.is_empty() {
                                String::new()
                            } else {
                                format!(" — {}", attribute.comment)
                            }
                        ))
                        .clicked();
                    if sort.attribute.as_deref() == Some(attribute.name.as_str()) {
                        ui.label(if sort.descending { "desc" } else { "asc" });
                    }
                    if clicked {
                        commands.push(Command::DbSortBy(column));
                    }
                });
            }
        })
        .body(|body| {
            body.rows(ROW_HEIGHT, total, |mut row| {
                let index = row.index() as u64;
                seen = Some(match seen {
                    Some((first, end)) => (first.min(index), end.max(index + 1)),
                    None => (index, index + 1),
                });
                let Some(values) = open.row(index).map(|r| &r.values) else {
                    for _ in &attributes {
                        row.col(|ui| {
                            ui.weak("…");
                        });
                    }
                    return;
                };
                row.set_selected(open.selected.is_some_and(|(r, _)| r == index));
                for (column, value) in values.iter().enumerate() {
                    row.col(|ui| {
                        let selected = open.selected == Some((index, column));
                        let text = value.display();
                        let response = ui.add(egui::Button::selectable(selected, text).truncate());
                        if response.clicked() {
                            commands.push(Command::DbSelect { row: index, column });
                        }
                        if response.double_clicked() && value.holds_array() {
                            commands.push(Command::DbSelect { row: index, column });
                            commands.push(Command::DbCell(CellAction::Preview));
                        }
                    });
                }
            });
        });
    if let Some((first, end)) = seen {
        open.visible = first..end;
    }
}

/// What the details panel shows of a cell that holds (or may hold) an array.
struct CellDetails {
    /// Name and value lines (shape, dtype, size, store, path).
    rows: Vec<(&'static str, String)>,
    /// The cell holds an array: Preview, Load (and Memory-map when `can_map`).
    array: bool,
    /// The array is in a store file that can be mapped.
    can_map: bool,
    /// `STORE:PATH` for Copy path.
    copy: Option<String>,
    /// A blob holding something else: its contents' tree is shown.
    contents: bool,
}

impl DatabaseRoom {
    /// The details of an `<npy@>` or blob cell; `None` for other cells. `headers_read`: the
    /// `<blob@>` headers of the cell's page were read.
    fn cell_details(&self, value: &CellValue, headers_read: bool) -> Option<CellDetails> {
        let store_path = self.cell_object(value).map(|(store, path)| {
            let store = store.unwrap_or_else(|| "(default store, none configured)".to_string());
            (store, path)
        });
        let blob_rows = |array: &Option<BlobShape>, rows: &mut Vec<(&'static str, String)>| {
            if let Some(array) = array {
                rows.push(("shape", format::shape(&array.shape)));
                rows.push(("dtype", array.dtype.display_name()));
                rows.push(("ndim", array.shape.len().to_string()));
            }
        };
        let mut rows = Vec::new();
        let (array, can_map, contents) = match value {
            CellValue::Npy(npy) => {
                let dtype = match &npy.dtype {
                    Ok(d) => d.display_name(),
                    Err(err) => format!("{} ({err})", npy.dtype_name),
                };
                rows.push(("shape", format::shape(&npy.shape)));
                rows.push(("dtype", dtype));
                rows.push(("ndim", npy.shape.len().to_string()));
                let nbytes = npy.nbytes().map(format::bytes).unwrap_or_default();
                rows.push(("nbytes", nbytes));
                (true, true, false)
            }
            CellValue::Stored(cell) if cell.codec == "blob" => {
                blob_rows(&cell.array, &mut rows);
                if cell.array.is_none() {
                    let what = if headers_read {
                        "not one array (see Contents)"
                    } else {
                        "reading its header…"
                    };
                    rows.push(("holds", what.to_string()));
                }
                if let Some(size) = cell.size {
                    rows.push(("bytes", format::bytes(size)));
                }
                let known = cell.array.is_some();
                (known, known, !known && headers_read)
            }
            CellValue::InTable {
                codec: Some(codec),
                len,
                array,
                ..
            } if codec == "blob" => {
                blob_rows(array, &mut rows);
                rows.push(("bytes", format::bytes(*len)));
                rows.push(("kept", "in the table".to_string()));
                (array.is_some(), false, array.is_none())
            }
            _ => return None,
        };
        let copy = store_path.map(|(store, path)| {
            rows.push(("store", store.clone()));
            rows.push(("path", path.clone()));
            format!("{store}:{path}")
        });
        Some(CellDetails {
            rows,
            array,
            can_map,
            copy,
            contents,
        })
    }
}

/// Preview, Load, Memory-map (when the array is in a store file) and Copy path of a cell's array.
fn cell_actions_ui(
    ui: &mut egui::Ui,
    can_map: bool,
    copy: Option<String>,
    commands: &mut Vec<Command>,
) {
    ui.horizontal_wrapped(|ui| {
        if ui
            .button("Preview")
            .on_hover_text("Read the first rows and plot them")
            .clicked()
        {
            commands.push(Command::DbCell(CellAction::Preview));
        }
        if ui
            .button("Load")
            .on_hover_text("Read the whole array into memory")
            .clicked()
        {
            commands.push(Command::DbCell(CellAction::Data(DataAction::Load)));
        }
        if ui
            .add_enabled(can_map, egui::Button::new("Memory-map"))
            .on_hover_text("Map the file (a remote one through the download cache)")
            .on_disabled_hover_text("Kept in the table: Load reads it")
            .clicked()
        {
            commands.push(Command::DbCell(CellAction::Data(DataAction::MemoryMap)));
        }
        if let Some(copy) = copy
            && ui.button("Copy path").clicked()
        {
            commands.push(Command::Copy {
                text: copy,
                note: "Copied the array's STORE:PATH".to_string(),
            });
        }
    });
}
