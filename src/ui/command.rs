//! What the panels and the rooms ask of each other: one [`Command`] enum, collected while the
//! rooms take their jobs' results and while the panels are drawn, and applied by the app between
//! frames, which routes each command to the room that owns what it changes.

use std::path::PathBuf;

/// A column of the files table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Column {
    /// File or folder name.
    Name,
    /// Array shape.
    Shape,
    /// Array dtype.
    Dtype,
    /// Object size.
    Size,
}

/// What the File menu, the stores panel or a drop asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum OpenAction {
    /// Show the Add store dialog.
    AddStore,
    /// Show the Connect to database dialog.
    ConnectDatabase,
    /// Ask the system for a `.npy` file and open it.
    File,
    /// Ask the system for a folder and open it.
    Folder,
    /// Ask the system for a `datajoint.json` and add its stores.
    Config,
    /// Open this path (dropped on the window): a `.json` as a DataJoint config, anything else
    /// as a folder or `.npy` file.
    Path(PathBuf),
}

/// A data read that downloads a remote array.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DataAction {
    /// Load into memory.
    Load,
    /// Memory-map (a remote array through the download cache).
    MemoryMap,
}

/// Where the browser goes: a folder of a store, and what to do once it is listed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Place {
    /// The store's index in the stores panel.
    pub store: usize,
    /// The folder, store-relative (`""`: the top).
    pub prefix: String,
    /// A file of the folder to select once it is listed (a `.npy` that was opened).
    pub select: Option<String>,
    /// The folder was remembered from the last run: if it cannot be listed any more, the top of
    /// the store is shown instead, with a note.
    pub restored: bool,
}

impl Place {
    /// The folder `prefix` of store `store`, nothing more.
    pub(crate) fn folder(store: usize, prefix: impl Into<String>) -> Place {
        Place {
            store,
            prefix: prefix.into(),
            ..Place::default()
        }
    }
}

/// What the panels and rooms ask for; applied between frames.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Command {
    /// Show this store's top level.
    SelectStore(usize),
    /// Show this folder of the current store.
    OpenFolder(String),
    /// Show the parent folder.
    GoUp,
    /// Select a row.
    Select(String),
    /// Open the selected row: a folder is shown, an array previewed.
    OpenSelected,
    /// Read the selected array's first rows and plot them.
    Preview,
    /// Load the selected array into memory.
    Load,
    /// Memory-map the selected array (a remote one is downloaded to the cache first).
    MemoryMap,
    /// Cancel the job with this id.
    Cancel(u64),
    /// Sort by a column (again: reverse).
    SortBy(Column),
    /// Copy text to the clipboard, with a note for the status bar.
    Copy { text: String, note: String },
    /// Forget the shown errors.
    DismissErrors,
    /// Ask the system for a folder and open it as a store.
    ChooseFolder,
    /// The File menu, the Add store dialog, dropped files (see `open.rs`).
    Open(OpenAction),
    /// Show table folders as files (`true`) or as DataJoint rows.
    FilesView(bool),
    /// Sort the DataJoint view by a column (key columns first; again: reverse).
    SortRowsBy(usize),
    /// Select the row this many rows below (negative: above) the selected one.
    MoveSelection(i32),
    /// Read the headers of every array of the level, not only of the rows in view.
    ReadAllHeaders,
    /// Count the arrays and bytes in each folder of the level shown (a remote store's).
    CountFolderSizes,
    /// Show this place (a store just opened or added, the first store at start-up, the top of a
    /// store whose remembered folder is gone).
    Show(Place),
    /// Open a folder or `.npy` file as a store and show it once it is open.
    OpenStore(PathBuf),
    /// Read a `datajoint.json` and add its stores.
    ReadConfig(PathBuf),
    /// Start Load or Memory-map now (confirmed, or no download needed), if the array at `path`
    /// is still the one selected.
    StartData {
        /// What to start.
        action: DataAction,
        /// The array it was asked for.
        path: String,
    },
    /// An array was copied into the download cache: count the cached part of the totals again.
    CacheChanged,
    /// Connect to the database of the config read at start (with the default store's name).
    ConnectDatabase(Box<crate::config::DatabaseSpec>, Option<String>),
    /// Use the database saved in the settings (the config names none), with the default store.
    UseSavedDatabase(Box<crate::settings::SavedDatabase>, Option<String>),
    /// Keep this database in the settings (connected through the dialog).
    SaveDatabase(Box<crate::settings::SavedDatabase>),
    /// Read the tables of this schema for the database tree.
    DbExpandSchema(String),
    /// Show this table (schema, SQL name) in the centre.
    DbOpenTable {
        /// The schema.
        schema: String,
        /// The table's SQL name.
        table: String,
    },
    /// Restrict the open table's rows (`attr=value …`).
    DbRestrict(String),
    /// Sort the open table by the attribute at this column (again: reverse).
    DbSortBy(usize),
    /// Select a cell of the open table.
    DbSelect {
        /// The row.
        row: u64,
        /// The column (display order).
        column: usize,
    },
    /// Open the selected `<npy@>` cell's array in its store and preview, load or map it.
    DbCell(super::database::CellAction),
    /// Move the database table's selection this many rows (negative: up).
    DbMoveSelection(i32),
    /// Plot the numeric array at `path` inside the blob whose contents are shown.
    PlotContents {
        /// The blob ([`super::contents::Wanted::key`]).
        key: String,
        /// The array's path in the blob's tree.
        path: Vec<String>,
    },
}
