//! The sampling rate of the row an array belongs to: a DataJoint row's attribute named like a
//! rate (`sampling_rate`, `fs` …) fills the plot's Sampling rate box for that row's arrays, and
//! the plot says where it came from. A store row's rate is a scalar `.npy` read in a small job;
//! a database row's is a number in the row already.

use std::sync::Arc;

use std::collections::HashMap;

use super::browser::BrowserRoom;
use super::plot::PlotPanel;
use super::requests::{Request, flatten, take_done};
use super::room::Cx;
use crate::array::ArrayRef;
use crate::store::Entry;
use crate::view::rate::{is_rate_name, rate_of_array};

/// The largest file read as a row's rate (a scalar `.npy` is about 136 bytes).
const MAX_RATE_FILE: u64 = 4096;

/// A sampling rate for the plot of one array.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RateHint {
    /// The array (its store path, or the name its plot goes by).
    pub path: String,
    /// The rate, in Hz.
    pub hz: f64,
    /// Where it came from: `recording.sampling_rate`.
    pub from: String,
}

/// The rate of the array last asked to be shown, and the job reading it.
#[derive(Debug, Default)]
pub(crate) struct RatesRoom {
    /// The rate known for an array.
    hint: Option<RateHint>,
    /// Reads a store row's rate attribute (keyed by the array it is for).
    job: Option<Request<String, Result<Option<RateHint>, String>>>,
}

impl RatesRoom {
    /// The user asked to show the array at `path` from the browser: when it is an attribute of
    /// a DataJoint row (by its path) whose row has a rate attribute, that attribute's value is
    /// read. Works in the files view as in the DataJoint view: the row is the key, not the view.
    pub(crate) fn want_for(&mut self, cx: &mut Cx<'_>, path: &str, browser: &BrowserRoom) {
        if self.hint.as_ref().is_some_and(|h| h.path == path)
            || self.job.as_ref().is_some_and(|j| j.key == path)
        {
            return;
        }
        self.job = None;
        let Some(store) = browser.store() else {
            return;
        };
        let Some((rate_entry, from)) = rate_sibling(&browser.entries, path) else {
            return;
        };
        let Some(rate_array) = ArrayRef::from_entry(Arc::clone(store), rate_entry) else {
            return;
        };
        if rate_array.object().size > MAX_RATE_FILE {
            return; // a rate is one number; this is something else
        }
        let target = path.to_string();
        let label = format!("Reading {from}");
        let job = cx.jobs().spawn(label, move |progress, cancel| async move {
            let array = rate_array
                .load(None, &progress, &cancel)
                .await
                .map_err(|e| e.to_string())?;
            Ok(rate_of_array(&array).map(|hz| RateHint {
                path: target,
                hz,
                from,
            }))
        });
        self.job = Some(Request::new(path.to_string(), job));
    }

    /// A rate known at once (a database row's attribute).
    pub(crate) fn set(&mut self, hint: RateHint) {
        self.job = None;
        self.hint = Some(hint);
    }

    /// Takes the job's result, and offers the rate to the plot when it shows that array (a
    /// rate that cannot be read leaves the box as it is: x stays in rows).
    pub(crate) fn poll(&mut self, plot: Option<&mut PlotPanel>) {
        if let Some((_, outcome)) = take_done(&mut self.job)
            && let Ok(Some(hint)) = flatten(outcome)
        {
            self.hint = Some(hint);
        }
        if let (Some(hint), Some(plot)) = (&self.hint, plot)
            && plot.path() == hint.path
        {
            plot.offer_rate(hint.hz, &hint.from);
        }
    }
}

/// The rate attribute of the DataJoint row holding the array at `path` (same schema, table and
/// key), with `table.attribute`.
fn rate_sibling<'a>(
    entries: &'a HashMap<String, Entry>,
    path: &str,
) -> Option<(&'a Entry, String)> {
    let row = entries.get(path)?.datajoint.as_ref()?;
    entries.values().find_map(|entry| {
        let dj = entry.datajoint.as_ref()?;
        let same_row = dj.schema == row.schema && dj.table == row.table && dj.key == row.key;
        (same_row && is_rate_name(&dj.attribute) && entry.object.path != path)
            .then(|| (entry, format!("{}.{}", dj.table, dj.attribute)))
    })
}
