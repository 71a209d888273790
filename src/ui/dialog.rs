//! Pieces the window's dialogs share (Add store, Connect to database): a labelled text field,
//! and the footer with the test's answer, the error, and Test connection / confirm / Cancel.

/// A click in a dialog's footer (or Escape).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FooterClick {
    /// Test connection.
    Test,
    /// The dialog's confirm button (Add, Connect).
    Confirm,
    /// Cancel, or Escape.
    Cancel,
}

/// What a dialog's footer shows and offers.
pub(crate) struct Footer<'a> {
    /// A test is running.
    pub testing: bool,
    /// What the last test said.
    pub test_result: Option<&'a Result<String, String>>,
    /// Why the confirm button refused.
    pub error: Option<&'a str>,
    /// Test connection's tooltip.
    pub test_hover: &'a str,
    /// The confirm button's text and tooltip.
    pub confirm: (&'a str, &'a str),
}

impl Footer<'_> {
    /// Draws the footer; returns what was clicked.
    pub(crate) fn ui(&self, ui: &mut egui::Ui) -> Option<FooterClick> {
        let mut click = None;
        ui.add_space(6.0);
        match self.test_result {
            _ if self.testing => {
                ui.label("Testing…");
            }
            Some(Ok(text)) => {
                ui.label(text);
            }
            Some(Err(err)) => error_label(ui, err),
            None => {}
        }
        if let Some(err) = self.error {
            error_label(ui, err);
        }
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!self.testing, egui::Button::new("Test connection"))
                .on_hover_text(self.test_hover)
                .clicked()
            {
                click = Some(FooterClick::Test);
            }
            let (text, hover) = self.confirm;
            if ui.button(text).on_hover_text(hover).clicked() {
                click = Some(FooterClick::Confirm);
            }
            if ui.button("Cancel").clicked() {
                click = Some(FooterClick::Cancel);
            }
        });
        if ui.input(|i| i.key_pressed(egui::Key::Escape)) {
            click = Some(FooterClick::Cancel);
        }
        click
    }
}

/// An error in the error colour, wrapped.
fn error_label(ui: &mut egui::Ui, text: &str) {
    ui.add(egui::Label::new(egui::RichText::new(text).color(ui.visuals().error_fg_color)).wrap());
}

/// One labelled text field of a dialog's grid (the label names the field for screen readers).
pub(crate) fn text_row(
    ui: &mut egui::Ui,
    label: &str,
    value: &mut String,
    hint: &str,
    password: bool,
) {
    let label = ui.label(label);
    ui.add(
        egui::TextEdit::singleline(value)
            .hint_text(hint)
            .password(password)
            .desired_width(300.0),
    )
    .labelled_by(label.id);
    ui.end_row();
}
