//! The status room: the jobs bar at the bottom (every running job with its progress and a
//! Cancel button), the last note, and the errors the rooms reported.
//!
//! Rooms report through [`Status::error`] and [`Status::note`]; the jobs shown are collected
//! from every room each frame, and Cancel is a [`Command::Cancel`] the app routes back to them.

use std::collections::HashMap;

use egui::RichText;

use super::command::Command;
use super::format;
use super::requests::JobRow;

/// Errors kept for the status bar (the newest is shown).
const MAX_ERRORS: usize = 20;

/// The status bar's state.
#[derive(Debug, Default)]
pub(crate) struct Status {
    /// Errors in the library's words, oldest first.
    pub errors: Vec<String>,
    /// The last note (what just happened).
    pub note: Option<String>,
    /// When each running job was first shown (for its rate and time left).
    job_started: HashMap<u64, std::time::Instant>,
}

impl Status {
    /// Records an error for the status bar (in the library's words).
    pub(crate) fn error(&mut self, err: impl Into<String>) {
        let err = err.into();
        tracing::warn!("{err}");
        self.errors.push(err);
        if self.errors.len() > MAX_ERRORS {
            self.errors.remove(0);
        }
    }

    /// Shows `note` in the status bar (replacing the last one).
    pub(crate) fn note(&mut self, note: impl Into<String>) {
        self.note = Some(note.into());
    }

    /// The jobs bar: `jobs` with their progress and Cancel, the note, the newest error.
    pub(crate) fn ui(&mut self, ui: &mut egui::Ui, jobs: &[JobRow], commands: &mut Vec<Command>) {
        ui.add_space(2.0);
        if jobs.is_empty() {
            ui.label("No jobs running");
        }
        // When each job was first seen, for its rate and time left.
        let now = std::time::Instant::now();
        self.job_started
            .retain(|id, _| jobs.iter().any(|j| j.id == *id));
        for job in jobs {
            self.job_started.entry(job.id).or_insert(now);
        }
        for job in jobs {
            let elapsed = self
                .job_started
                .get(&job.id)
                .map_or(0.0, |t| now.duration_since(*t).as_secs_f64());
            ui.horizontal(|ui| {
                ui.label(&job.label);
                let progress = &job.progress;
                let mut text = format::progress(
                    progress.done(),
                    progress.total(),
                    progress.is_bytes(),
                    elapsed,
                );
                if let Some(note) = progress.note() {
                    text = format!("{text} · {note}");
                }
                ui.add(
                    egui::ProgressBar::new(progress.fraction())
                        .desired_width(320.0)
                        .text(text),
                );
                if ui.button("Cancel").on_hover_text(&job.label).clicked() {
                    commands.push(Command::Cancel(job.id));
                }
            });
        }
        if let Some(note) = &self.note {
            ui.label(note);
        }
        if let Some(err) = self.errors.last() {
            ui.horizontal(|ui| {
                ui.add(
                    egui::Label::new(RichText::new(err).color(ui.visuals().error_fg_color)).wrap(),
                );
                if self.errors.len() > 1 {
                    ui.label(format!("(+{} earlier)", self.errors.len() - 1));
                }
                if ui.button("Dismiss").clicked() {
                    commands.push(Command::DismissErrors);
                }
            });
        }
        ui.add_space(2.0);
    }
}
