//! Ctrl-C (SIGINT) and SIGTERM set a flag that the generation loop checks between tokens, so a
//! run stops cleanly: the brief in progress is dropped whole and the next run resumes it.
use std::sync::atomic::{AtomicBool, Ordering};

static CANCEL: AtomicBool = AtomicBool::new(false);

/// The process-wide cancel flag.
pub fn cancel_flag() -> &'static AtomicBool {
    &CANCEL
}

#[cfg(unix)]
extern "C" fn on_signal(_: libc::c_int) {
    // Only an atomic store: the one thing that is safe in a signal handler.
    CANCEL.store(true, Ordering::SeqCst);
}

/// Install the handlers (once per process; later calls only reinstall them).
pub fn install() {
    #[cfg(unix)]
    {
        let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        // SAFETY: `on_signal` is async-signal-safe (one atomic store) and lives for the whole
        // process; `signal` only replaces the disposition of these two signals.
        unsafe {
            libc::signal(libc::SIGINT, handler);
            libc::signal(libc::SIGTERM, handler);
        }
    }
}

/// Whether a stop was requested.
pub fn requested() -> bool {
    CANCEL.load(Ordering::Relaxed)
}
