//! Tables for the command line (shapes and sizes come from [`crate::display`]).

use comfy_table::{CellAlignment, ContentArrangement, Table, presets};

pub use crate::display::{bytes, shape};

/// A plain table with aligned columns and no borders, like `ls -l`; numeric columns are
/// right-aligned.
pub fn table(header: &[&str], right_aligned: &[usize]) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.iter().copied());
    let last = header.len().saturating_sub(1);
    for (index, column) in table.column_iter_mut().enumerate() {
        column.set_padding((0, if index == last { 0 } else { 2 }));
        if right_aligned.contains(&index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

/// The table's text without trailing spaces.
pub fn render(table: &Table) -> String {
    table.trim_fmt()
}
