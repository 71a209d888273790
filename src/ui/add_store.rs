//! The "Add store…" dialog.
