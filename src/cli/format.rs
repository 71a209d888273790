//! Human-readable values for tables: shapes like numpy prints them, sizes in binary units.

use comfy_table::{CellAlignment, ContentArrangement, Table, presets};

/// A shape as numpy prints it: `()`, `(5,)`, `(1000, 32)`.
pub fn shape(shape: &[u64]) -> String {
    match shape {
        [] => "()".to_string(),
        [n] => format!("({n},)"),
        dims => {
            let parts: Vec<String> = dims.iter().map(u64::to_string).collect();
            format!("({})", parts.join(", "))
        }
    }
}

/// A byte count in binary units: `1.5 KiB`, `12 B`.
pub fn bytes(n: u64) -> String {
    humansize::format_size(n, humansize::BINARY)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_like_numpy() {
        assert_eq!(shape(&[]), "()");
        assert_eq!(shape(&[5]), "(5,)");
        assert_eq!(shape(&[1000, 32]), "(1000, 32)");
    }
}
