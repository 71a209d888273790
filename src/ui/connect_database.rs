//! The "Connect to database…" dialog: a PostgreSQL or MySQL/MariaDB server of a DataJoint
//! pipeline, tested in the background (connect, list the DataJoint schemas), then connected and
//! kept in the app's settings.
//!
//! The password is typed into a password field and kept in memory for the session; it goes into
//! the settings file only when "Remember password" is ticked. A password already known (from
//! `datajoint.json`, its secrets, or the session) is never shown: an empty field keeps it.

use std::time::Duration;

use super::add_store::text_row;
use super::requests::{JobRow, Request, cancel_if, take_done};
use crate::config::{DatabaseSpec, DbBackend, Secret};
use crate::db::{self, Database};
use crate::jobs::{JobError, Jobs};
use crate::settings::SavedDatabase;

/// How long Test connection waits for the server (connecting has its own shorter timeout).
const TEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Test connection's job: what the server said, or the library's error.
type TestJob = Request<(), Result<String, String>>;

/// TLS as DataJoint's `use_tls`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TlsChoice {
    /// Unset: try TLS, fall back to plain.
    Try,
    /// `true`: required.
    Required,
    /// `false`: never.
    Off,
}

impl TlsChoice {
    fn from_setting(use_tls: Option<bool>) -> TlsChoice {
        match use_tls {
            None => TlsChoice::Try,
            Some(true) => TlsChoice::Required,
            Some(false) => TlsChoice::Off,
        }
    }

    fn setting(self) -> Option<bool> {
        match self {
            TlsChoice::Try => None,
            TlsChoice::Required => Some(true),
            TlsChoice::Off => Some(false),
        }
    }

    fn label(self) -> &'static str {
        match self {
            TlsChoice::Try => "Try TLS, else plain (DataJoint's default)",
            TlsChoice::Required => "Require TLS",
            TlsChoice::Off => "No TLS",
        }
    }
}

/// The dialog's fields and its test job. No `Debug`: it holds the typed password.
pub(crate) struct ConnectDatabaseDialog {
    backend: DbBackend,
    host: String,
    port: String,
    user: String,
    name: String,
    tls: TlsChoice,
    password: String,
    /// A password known before the dialog opened (kept when the field is left empty).
    known_password: Option<Secret>,
    remember_password: bool,
    test_job: Option<TestJob>,
    /// What the last test said.
    test_result: Option<Result<String, String>>,
    /// Why Connect refused.
    error: Option<String>,
}

/// What a click in the dialog asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ConnectAction {
    /// Connect and list the DataJoint schemas, showing what the server said.
    Test,
    /// Connect, show the database in the left panel, and keep it in the settings.
    Connect,
    /// Close the dialog.
    Cancel,
}

impl ConnectDatabaseDialog {
    /// The dialog filled from `spec` (the database configured or saved), or empty.
    pub(crate) fn new(spec: Option<&DatabaseSpec>) -> ConnectDatabaseDialog {
        let backend = spec.map_or(DbBackend::PostgreSql, |s| s.backend);
        ConnectDatabaseDialog {
            backend,
            host: spec.map(|s| s.host.clone()).unwrap_or_default(),
            port: spec
                .filter(|s| s.port != s.backend.default_port())
                .map(|s| s.port.to_string())
                .unwrap_or_default(),
            user: spec.and_then(|s| s.user.clone()).unwrap_or_default(),
            name: spec
                .filter(|s| s.name != "postgres")
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            tls: TlsChoice::from_setting(spec.and_then(|s| s.use_tls)),
            password: String::new(),
            known_password: spec.and_then(|s| s.password.clone()),
            remember_password: false,
            test_job: None,
            test_result: None,
            error: None,
        }
    }

    /// The settings as they would be saved (the password only when it is to be remembered).
    fn saved(&self) -> Result<SavedDatabase, String> {
        let port = match self.port.trim() {
            "" => None,
            text => Some(
                text.parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| format!("port \"{text}\" is not a number from 1 to 65535"))?,
            ),
        };
        let password = self.password();
        Ok(SavedDatabase {
            backend: self.backend.name().to_string(),
            host: self.host.trim().to_string(),
            port,
            user: self.user.trim().to_string(),
            name: match self.backend {
                DbBackend::PostgreSql => self.name.trim().to_string(),
                DbBackend::MySql => String::new(),
            },
            use_tls: self.tls.setting(),
            password: password.clone().filter(|_| self.remember_password),
            ask_password: password.is_some() && !self.remember_password,
        })
    }

    /// The typed password, else the one known before.
    fn password(&self) -> Option<Secret> {
        if self.password.is_empty() {
            self.known_password.clone()
        } else {
            Some(Secret::new(self.password.clone()))
        }
    }

    /// The connection settings of the fields, with the session's password.
    fn spec(&self) -> Result<DatabaseSpec, String> {
        self.saved()?.to_spec(self.password().as_ref())
    }

    /// The dialog's running job, for the jobs panel.
    pub(crate) fn job_rows(&self) -> Vec<JobRow> {
        self.test_job.iter().map(JobRow::of).collect()
    }

    /// Cancels the job numbered `id` if it is the dialog's.
    pub(crate) fn cancel(&self, id: u64) {
        cancel_if(self.test_job.as_ref(), id);
    }

    /// Takes the test's result.
    pub(crate) fn poll(&mut self) {
        if let Some(((), outcome)) = take_done(&mut self.test_job) {
            self.test_result = Some(match outcome {
                Ok(result) => result,
                Err(JobError::Cancelled) => Err("the test was cancelled".to_string()),
                Err(err) => Err(err.to_string()),
            });
        }
    }

    /// Connects with the fields' settings and lists the DataJoint schemas, in a job.
    pub(crate) fn test_connection(&mut self, jobs: &Jobs) {
        self.error = None;
        let spec = match self.spec() {
            Ok(spec) => spec,
            Err(err) => {
                self.test_result = Some(Err(err));
                return;
            }
        };
        let label = format!("Testing database {}", spec.describe());
        let job = jobs.spawn(label, move |_, _| async move {
            let server = spec.describe();
            let work = async {
                let db = Database::connect(&spec).await.map_err(|e| e.to_string())?;
                let schemas = db::list_schemas(&db).await.map_err(|e| e.to_string())?;
                let tls = if db.uses_tls() { "TLS" } else { "no TLS" };
                let mut text = format!(
                    "Connected ({tls}): {} DataJoint schema{}",
                    schemas.len(),
                    if schemas.len() == 1 { "" } else { "s" }
                );
                for note in db.notes() {
                    text.push_str(&format!("\n{note}"));
                }
                Ok(text)
            };
            tokio::time::timeout(TEST_TIMEOUT, work)
                .await
                .unwrap_or_else(|_| {
                    Err(format!(
                        "{server} did not answer within {} s; check the host, the port and the network",
                        TEST_TIMEOUT.as_secs()
                    ))
                })
        });
        self.test_result = None;
        self.test_job = Some(Request::new((), job));
    }

    /// Connect: the settings to connect with and to save, or `None` with the reason shown in
    /// the dialog.
    pub(crate) fn connection(&mut self) -> Option<(DatabaseSpec, SavedDatabase)> {
        let result = self
            .saved()
            .and_then(|saved| Ok((saved.to_spec(self.password().as_ref())?, saved)));
        match result {
            Ok(pair) => Some(pair),
            Err(err) => {
                self.error = Some(err);
                None
            }
        }
    }

    /// The dialog's fields and buttons; returns what a click asked for.
    pub(crate) fn ui(&mut self, ui: &mut egui::Ui) -> Option<ConnectAction> {
        let mut action = None;
        ui.set_max_width(500.0);
        ui.heading("Connect to database");
        ui.label(
            egui::RichText::new(
                "The DataJoint database of your pipeline, read-only: npyscope never writes to it.",
            )
            .small(),
        );
        ui.add_space(4.0);
        egui::Grid::new("connect_database_grid")
            .num_columns(2)
            .spacing([8.0, 6.0])
            .show(ui, |ui| {
                ui.label("Server:");
                ui.horizontal(|ui| {
                    ui.radio_value(&mut self.backend, DbBackend::PostgreSql, "PostgreSQL");
                    ui.radio_value(&mut self.backend, DbBackend::MySql, "MySQL / MariaDB");
                });
                ui.end_row();
                text_row(ui, "Host:", &mut self.host, "db.example.org or host:port", false);
                let port_hint = format!("{} when empty", self.backend.default_port());
                text_row(ui, "Port:", &mut self.port, &port_hint, false);
                text_row(ui, "User:", &mut self.user, "", false);
                let password_hint = if self.known_password.is_some() {
                    "(known: leave empty to keep it)"
                } else {
                    ""
                };
                text_row(ui, "Password:", &mut self.password, password_hint, true);
                ui.label("");
                ui.checkbox(&mut self.remember_password, "Remember password")
                    .on_hover_text(
                        "Keep the password in npyscope's settings file (readable only by you); otherwise npyscope asks for it next time",
                    );
                ui.end_row();
                if self.backend == DbBackend::PostgreSql {
                    text_row(ui, "Database:", &mut self.name, "postgres when empty", false);
                }
                let label = ui.label("TLS:");
                egui::ComboBox::from_id_salt("connect_database_tls")
                    .selected_text(self.tls.label())
                    .show_ui(ui, |ui| {
                        for choice in [TlsChoice::Try, TlsChoice::Required, TlsChoice::Off] {
                            ui.selectable_value(&mut self.tls, choice, choice.label());
                        }
                    })
                    .response
                    .labelled_by(label.id);
                ui.end_row();
            });
        ui.add_space(6.0);
        let error_text = |ui: &mut egui::Ui, text: &str| {
            ui.add(
                egui::Label::new(egui::RichText::new(text).color(ui.visuals().error_fg_color))
                    .wrap(),
            );
        };
        match &self.test_result {
            _ if self.test_job.is_some() => {
                ui.label("Testing…");
            }
            Some(Ok(text)) => {
                ui.label(text);
            }
            Some(Err(err)) => error_text(ui, err),
            None => {}
        }
        if let Some(err) = &self.error {
            error_text(ui, err);
        }
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            if ui
                .add_enabled(
                    self.test_job.is_none(),
                    egui::Button::new("Test connection"),
                )
                .on_hover_text("Connect and count the DataJoint schemas")
                .clicked()
            {
                action = Some(ConnectAction::Test);
            }
            if ui
                .button("Connect")
                .on_hover_text("Show the database beside the stores and keep it in the settings")
                .clicked()
            {
                action = Some(ConnectAction::Connect);
            }
            if ui.button("Cancel").clicked() {
                action = Some(ConnectAction::Cancel);
            }
        });
        if ui.input(|i| i.key_pressed(egui::Key::Escape)) {
            action = Some(ConnectAction::Cancel);
        }
        action
    }
}
