//! The open room: the File menu (a file, a folder, a `datajoint.json`, Add store…, Connect to
//! database…, Quit),
//! Ctrl+O, the system dialogs it opens, and files and folders dropped on the window.
//!
//! System dialogs (rfd) block, so each runs in a job on a blocking thread, like the stores
//! panel's "Open folder…". What was chosen goes to the stores room as a command
//! ([`Command::OpenStore`], [`Command::ReadConfig`]).

use std::path::PathBuf;

use super::command::{Command, OpenAction};
use super::requests::{JobRow, Request, cancel_if, take_done};
use super::room::Cx;
use crate::jobs::JobError;

/// What a system dialog was asked to pick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pick {
    File,
    Folder,
    Config,
}

/// The open room's state: the system dialog being shown.
#[derive(Debug, Default)]
pub(crate) struct OpenRoom {
    /// The file or folder the system dialog returns.
    pick_job: Option<Request<Pick, Option<PathBuf>>>,
}

impl OpenRoom {
    /// Asks the system for what `action` names (a file, a folder, a `datajoint.json`), in a job:
    /// the dialog blocks. Other actions are not this room's and are ignored.
    pub(crate) fn pick(&mut self, cx: &mut Cx<'_>, action: &OpenAction) {
        let pick = match action {
            OpenAction::File => Pick::File,
            OpenAction::Folder => Pick::Folder,
            OpenAction::Config => Pick::Config,
            OpenAction::AddStore | OpenAction::ConnectDatabase | OpenAction::Path(_) => return,
        };
        if self.pick_job.is_some() {
            return;
        }
        let label = match pick {
            Pick::File => "Choosing a .npy file",
            Pick::Folder => "Choosing a folder",
            Pick::Config => "Choosing a datajoint.json",
        };
        let job = cx.jobs().spawn(label, move |_, _| async move {
            tokio::task::spawn_blocking(move || {
                let dialog = rfd::FileDialog::new();
                match pick {
                    Pick::File => dialog
                        .set_title("Open a .npy file")
                        .add_filter("NumPy arrays", &["npy"])
                        .pick_file(),
                    Pick::Folder => dialog
                        .set_title("Open a folder of .npy files")
                        .pick_folder(),
                    Pick::Config => dialog
                        .set_title("Open a DataJoint config")
                        .add_filter("DataJoint config", &["json"])
                        .pick_file(),
                }
            })
            .await
            .ok()
            .flatten()
        });
        self.pick_job = Some(Request::new(pick, job));
    }

    /// Takes what the system dialog returned: a config to read or a path to open as a store.
    pub(crate) fn poll(&mut self, cx: &mut Cx<'_>) {
        if let Some((pick, outcome)) = take_done(&mut self.pick_job) {
            match outcome {
                Ok(Some(path)) => cx.emit(match pick {
                    Pick::Config => Command::ReadConfig(path),
                    Pick::File | Pick::Folder => Command::OpenStore(path),
                }),
                Ok(None) | Err(JobError::Cancelled) => {}
                Err(err) => cx.error(format!("choosing a file: {err}")),
            }
        }
    }

    /// The top menu bar, and Ctrl+O (not while a dialog is shown: `modal`).
    pub(crate) fn menu_ui(&self, ui: &mut egui::Ui, modal: bool, commands: &mut Vec<Command>) {
        let open_shortcut = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::O);
        if !modal && ui.input_mut(|i| i.consume_shortcut(&open_shortcut)) {
            commands.push(Command::Open(OpenAction::File));
        }
        let shortcut_text = ui.ctx().format_shortcut(&open_shortcut);
        let mut actions = Vec::new();
        egui::Panel::top("menu").show(ui, |ui| {
            egui::MenuBar::new().ui(ui, |ui| {
                ui.menu_button("File", |ui| {
                    let open_file = ui
                        .add(egui::Button::new("Open file…").shortcut_text(shortcut_text))
                        .on_hover_text("Open a .npy file: its folder is shown with it selected");
                    if open_file.clicked() {
                        actions.push(OpenAction::File);
                    }
                    if ui
                        .button("Open folder…")
                        .on_hover_text("Open a local folder of .npy files as a store")
                        .clicked()
                    {
                        actions.push(OpenAction::Folder);
                    }
                    if ui
                        .button("Open datajoint.json…")
                        .on_hover_text("Add the stores of a DataJoint config file")
                        .clicked()
                    {
                        actions.push(OpenAction::Config);
                    }
                    if ui
                        .button("Add store…")
                        .on_hover_text("Add a local folder or an S3 bucket as a store")
                        .clicked()
                    {
                        actions.push(OpenAction::AddStore);
                    }
                    if ui
                        .button("Connect to database…")
                        .on_hover_text("Browse the tables of a DataJoint database (read-only)")
                        .clicked()
                    {
                        actions.push(OpenAction::ConnectDatabase);
                    }
                    ui.separator();
                    if ui.button("Quit").clicked() {
                        ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                    }
                });
            });
        });
        commands.extend(actions.into_iter().map(Command::Open));
    }

    /// Files dropped on the window (opened), and the overlay while they are dragged over it.
    pub(crate) fn drops_ui(&self, ctx: &egui::Context, commands: &mut Vec<Command>) {
        let (hovering, dropped) = ctx.input(|i| {
            (
                !i.raw.hovered_files.is_empty(),
                i.raw
                    .dropped_files
                    .iter()
                    .map(|f| f.path().to_path_buf())
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect::<Vec<_>>(),
            )
        });
        for path in dropped {
            commands.push(Command::Open(OpenAction::Path(path)));
        }
        if hovering {
            drop_overlay(ctx);
        }
    }

    /// This room's running jobs, for the jobs bar.
    pub(crate) fn job_rows(&self) -> Vec<JobRow> {
        self.pick_job.iter().map(JobRow::of).collect()
    }

    /// Cancels the job numbered `id` if it is this room's.
    pub(crate) fn cancel(&self, id: u64) {
        cancel_if(self.pick_job.as_ref(), id);
    }
}

/// A dimmed window with a note while files are dragged over it.
fn drop_overlay(ctx: &egui::Context) {
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Foreground,
        egui::Id::unique("drop_overlay"),
    ));
    let rect = ctx.content_rect();
    painter.rect_filled(rect, 0.0, egui::Color32::from_black_alpha(170));
    painter.text(
        rect.center(),
        egui::Align2::CENTER_CENTER,
        "Drop a .npy file, a folder or a datajoint.json to open it",
        egui::FontId::proportional(22.0),
        egui::Color32::WHITE,
    );
}
