//! The app's own settings (stores added in the window, download threshold), kept in the config folder.
