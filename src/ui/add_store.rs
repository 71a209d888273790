//! The "Add store…" dialog: a local folder, an S3 or GCS bucket or an Azure container, tested in
//! the background, added to the stores panel and kept in the app's settings.
//!
//! The secret (an S3 secret key, an Azure account key or connection string) is typed into a
//! password field and kept in memory for the session; it goes into the settings file only when
//! "Remember secret key" is ticked.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::dialog::{Footer, FooterClick, text_row};
use super::requests::{JobRow, Request, cancel_if, take_done};
use crate::config::{Secret, StoreSpec};
use crate::display::count;
use crate::jobs::{JobError, Jobs};
use crate::settings::{SavedProtocol, SavedStore};
use crate::store;

/// How long Test connection waits for a store to answer.
const TEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Test connection's job: top-level folders and arrays, or the library's error.
type TestJob = Request<(), Result<(usize, usize), String>>;

/// The dialog's fields and its background jobs. No `Debug`: it holds the typed secret.
pub(crate) struct AddStoreDialog {
    name: String,
    protocol: SavedProtocol,
    folder: String,
    endpoint: String,
    bucket: String,
    location: String,
    region: String,
    secure: bool,
    access_key: String,
    secret_key: String,
    remember_secret: bool,
    project: String,
    token: String,
    account_name: String,
    /// Test connection: top-level folders and arrays, or the library's error.
    test_job: Option<TestJob>,
    /// What the last test said: `Ok` text or an error.
    test_result: Option<Result<String, String>>,
    /// Browse…: the folder the system dialog returns.
    browse_job: Option<Request<(), Option<PathBuf>>>,
    /// Why Add refused.
    error: Option<String>,
}

impl Default for AddStoreDialog {
    fn default() -> Self {
        AddStoreDialog {
            name: String::new(),
            protocol: SavedProtocol::File,
            folder: String::new(),
            endpoint: String::new(),
            bucket: String::new(),
            location: String::new(),
            region: String::new(),
            secure: true,
            access_key: String::new(),
            secret_key: String::new(),
            remember_secret: false,
            project: String::new(),
            token: String::new(),
            account_name: String::new(),
            test_job: None,
            test_result: None,
            browse_job: None,
            error: None,
        }
    }
}

/// What a click in the dialog asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DialogAction {
    /// Choose the folder with the system dialog.
    Browse,
    /// Open the store and list its top level.
    Test,
    /// Add the store.
    Add,
    /// Close the dialog, adding nothing.
    Cancel,
}

impl AddStoreDialog {
    /// The store as it would be saved: the secret key only when it is to be remembered.
    fn saved(&self) -> SavedStore {
        let text = |s: &str| s.trim().to_string();
        let secret = (!self.secret_key.is_empty()).then(|| Secret::new(self.secret_key.clone()));
        match self.protocol {
            SavedProtocol::File => SavedStore {
                name: text(&self.name),
                protocol: SavedProtocol::File,
                folder: Some(PathBuf::from(self.folder.trim())),
                ..SavedStore::default()
            },
            SavedProtocol::S3 => SavedStore {
                name: text(&self.name),
                protocol: SavedProtocol::S3,
                folder: None,
                endpoint: text(&self.endpoint),
                bucket: text(&self.bucket),
                location: text(&self.location),
                region: text(&self.region),
                secure: self.secure,
                access_key: Some(text(&self.access_key))
                    .filter(|k| !k.is_empty())
                    .map(Secret::new),
                secret_key: secret.filter(|_| self.remember_secret),
                ..SavedStore::default()
            },
            SavedProtocol::Gcs => SavedStore {
                name: text(&self.name),
                protocol: SavedProtocol::Gcs,
                bucket: text(&self.bucket),
                location: text(&self.location),
                project: text(&self.project),
                token: text(&self.token),
                ..SavedStore::default()
            },
            SavedProtocol::Azure => SavedStore {
                name: text(&self.name),
                protocol: SavedProtocol::Azure,
                bucket: text(&self.bucket),
                location: text(&self.location),
                account_name: text(&self.account_name),
                secret_key: secret.filter(|_| self.remember_secret),
                ..SavedStore::default()
            },
        }
    }

    /// The typed secret key, for this session.
    fn session_secret(&self) -> Option<Secret> {
        (matches!(self.protocol, SavedProtocol::S3 | SavedProtocol::Azure)
            && !self.secret_key.is_empty())
        .then(|| Secret::new(self.secret_key.clone()))
    }

    /// The dialog's running jobs, for the jobs panel.
    pub(crate) fn job_rows(&self) -> Vec<JobRow> {
        let mut rows = Vec::new();
        if let Some(r) = &self.test_job {
            rows.push(JobRow::of(r));
        }
        if let Some(r) = &self.browse_job {
            rows.push(JobRow::of(r));
        }
        rows
    }

    /// Cancels the job numbered `id` if it is one of the dialog's.
    pub(crate) fn cancel(&self, id: u64) {
        cancel_if(self.test_job.as_ref(), id);
        cancel_if(self.browse_job.as_ref(), id);
    }

    /// Takes the results of the dialog's jobs.
    pub(crate) fn poll(&mut self) {
        if let Some(((), outcome)) = take_done(&mut self.test_job) {
            self.test_result = Some(match outcome {
                Ok(Ok((folders, arrays))) => Ok(format!(
                    "Connected: {}, {}",
                    count(folders as u64, "folder"),
                    count(arrays as u64, "array")
                )),
                Ok(Err(err)) => Err(err),
                Err(JobError::Cancelled) => Err("the test was cancelled".to_string()),
                Err(err) => Err(err.to_string()),
            });
        }
        if let Some(((), outcome)) = take_done(&mut self.browse_job)
            && let Ok(Some(folder)) = outcome
        {
            self.folder = folder.display().to_string();
            if self.name.trim().is_empty()
                && let Some(name) = folder.file_name()
            {
                self.name = name.to_string_lossy().into_owned();
            }
        }
    }

    /// Asks the system for the store's folder (in a job: the dialog blocks).
    pub(crate) fn browse_folder(&mut self, jobs: &Jobs) {
        let job = jobs.spawn("Choosing a folder", |_, _| async {
            tokio::task::spawn_blocking(|| {
                rfd::FileDialog::new()
                    .set_title("Choose the store's folder")
                    .pick_folder()
            })
            .await
            .ok()
            .flatten()
        });
        self.browse_job = Some(Request::new((), job));
    }

    /// Opens the store of the dialog's fields and lists its top level, in a job.
    pub(crate) fn test_connection(&mut self, jobs: &Jobs, working_dir: &Path) {
        self.error = None;
        let spec = match self
            .saved()
            .to_spec(self.session_secret().as_ref(), working_dir)
        {
            Ok(spec) => spec,
            Err(err) => {
                self.test_result = Some(Err(err));
                return;
            }
        };
        let name = spec.name.clone();
        let label = format!("Testing store {name}");
        let job = jobs.spawn(label, move |_, _| async move {
            let work = async move {
                let store = tokio::task::spawn_blocking(move || store::open_shared(spec))
                    .await
                    .map_err(|e| e.to_string())?
                    .map_err(|e| e.to_string())?;
                let level = store.browse("").await.map_err(|e| e.to_string())?;
                Ok((level.folders.len(), level.objects.len()))
            };
            tokio::time::timeout(TEST_TIMEOUT, work)
                .await
                .unwrap_or_else(|_| {
                    Err(format!(
                        "store \"{name}\" did not answer within {} s; check the endpoint and the network",
                        TEST_TIMEOUT.as_secs()
                    ))
                })
        });
        self.test_result = None;
        self.test_job = Some(Request::new((), job));
    }

    /// Add: the store to open (with the session's secret) and the store to save, or `None`
    /// with the reason shown in the dialog (bad fields, a name in `taken`).
    pub(crate) fn store_to_add(
        &mut self,
        working_dir: &Path,
        taken: &[String],
    ) -> Option<(StoreSpec, SavedStore)> {
        let saved = self.saved();
        let spec = match saved.to_spec(self.session_secret().as_ref(), working_dir) {
            Ok(spec) => spec,
            Err(err) => {
                self.error = Some(err);
                return None;
            }
        };
        if taken.contains(&spec.name) {
            self.error = Some(format!(
                "a store named \"{}\" is already in the stores panel; choose another name",
                spec.name
            ));
            return None;
        }
        Some((spec, saved))
    }

    /// The "Remember secret key" row.
    fn remember_row(&mut self, ui: &mut egui::Ui) {
        ui.label("");
        ui.checkbox(&mut self.remember_secret, "Remember secret key")
            .on_hover_text(
                "Keep the secret in npyscope's settings file (readable only by you); otherwise it is forgotten when npyscope closes",
            );
        ui.end_row();
    }

    /// The dialog's fields and buttons; returns what a click asked for.
    pub(crate) fn ui(&mut self, ui: &mut egui::Ui) -> Option<DialogAction> {
        let mut action = None;
        ui.set_max_width(480.0);
        ui.heading("Add store");
        ui.add_space(4.0);
        egui::Grid::new("add_store_grid")
            .num_columns(2)
            .spacing([8.0, 6.0])
            .show(ui, |ui| {
                text_row(
                    ui,
                    "Name:",
                    &mut self.name,
                    "shown in the stores panel",
                    false,
                );
                ui.label("Protocol:");
                ui.horizontal(|ui| {
                    ui.radio_value(&mut self.protocol, SavedProtocol::File, "File");
                    ui.radio_value(&mut self.protocol, SavedProtocol::S3, "S3");
                    ui.radio_value(&mut self.protocol, SavedProtocol::Gcs, "GCS");
                    ui.radio_value(&mut self.protocol, SavedProtocol::Azure, "Azure");
                });
                ui.end_row();
                match self.protocol {
                    SavedProtocol::File => {
                        let label = ui.label("Folder:");
                        ui.horizontal(|ui| {
                            ui.add(
                                egui::TextEdit::singleline(&mut self.folder)
                                    .hint_text("a folder of .npy files")
                                    .desired_width(300.0),
                            )
                            .labelled_by(label.id);
                            let browsing = self.browse_job.is_some();
                            if ui
                                .add_enabled(!browsing, egui::Button::new("Browse…"))
                                .on_hover_text("Choose the folder")
                                .clicked()
                            {
                                action = Some(DialogAction::Browse);
                            }
                        });
                        ui.end_row();
                    }
                    SavedProtocol::S3 => {
                        text_row(
                            ui,
                            "Endpoint:",
                            &mut self.endpoint,
                            "host:port or a URL",
                            false,
                        );
                        text_row(ui, "Bucket:", &mut self.bucket, "", false);
                        text_row(
                            ui,
                            "Location:",
                            &mut self.location,
                            "key prefix (may be empty)",
                            false,
                        );
                        text_row(ui, "Region:", &mut self.region, "optional", false);
                        ui.label("");
                        ui.checkbox(&mut self.secure, "Use https")
                            .on_hover_text("For an endpoint given without http:// or https://");
                        ui.end_row();
                        text_row(ui, "Access key:", &mut self.access_key, "", false);
                        text_row(ui, "Secret key:", &mut self.secret_key, "", true);
                        self.remember_row(ui);
                    }
                    SavedProtocol::Gcs => {
                        text_row(ui, "Bucket:", &mut self.bucket, "", false);
                        text_row(
                            ui,
                            "Location:",
                            &mut self.location,
                            "key prefix (may be empty)",
                            false,
                        );
                        text_row(ui, "Project:", &mut self.project, "optional", false);
                        text_row(
                            ui,
                            "Token:",
                            &mut self.token,
                            "service-account JSON file, anon or google_default",
                            false,
                        );
                    }
                    SavedProtocol::Azure => {
                        text_row(ui, "Container:", &mut self.bucket, "", false);
                        text_row(
                            ui,
                            "Location:",
                            &mut self.location,
                            "key prefix (may be empty)",
                            false,
                        );
                        text_row(
                            ui,
                            "Account name:",
                            &mut self.account_name,
                            "optional with a connection string",
                            false,
                        );
                        text_row(
                            ui,
                            "Key or connection string:",
                            &mut self.secret_key,
                            "account key, or a connection string",
                            true,
                        );
                        self.remember_row(ui);
                    }
                }
            });
        let footer = Footer {
            testing: self.test_job.is_some(),
            test_result: self.test_result.as_ref(),
            error: self.error.as_deref(),
            test_hover: "Open the store and list its top level",
            confirm: (
                "Add",
                "Add the store to the stores panel and to npyscope's settings",
            ),
        };
        match footer.ui(ui) {
            Some(FooterClick::Test) => action = Some(DialogAction::Test),
            Some(FooterClick::Confirm) => action = Some(DialogAction::Add),
            Some(FooterClick::Cancel) => action = Some(DialogAction::Cancel),
            None => {}
        }
        action
    }
}
