//! The command line's view of retries that happen inside object_store (listings, heads, header
//! reads): one line on stderr per retry, so a throttled `ls` says why it is slow.

use std::sync::Arc;

use crate::store::Store;

/// Prints `npyscope: store "NAME": retrying (3/12): 503 Service Unavailable` on stderr each
/// time `store`'s metadata requests fail for a passing reason, until the guard is dropped.
pub(crate) fn print_retries(store: &Arc<Store>) -> impl Drop {
    let store = Arc::clone(store);
    Printer(tokio::spawn(async move {
        let mut last: Option<String> = None;
        loop {
            let note = store.metadata_retry_note();
            if note != last {
                if let Some(note) = &note {
                    eprintln!("npyscope: store \"{}\": {note}", store.name());
                }
                last = note;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }))
}

/// Stops the printer when dropped.
struct Printer(tokio::task::JoinHandle<()>);

impl Drop for Printer {
    fn drop(&mut self) {
        self.0.abort();
    }
}
