//! SIGINT/SIGTERM/SIGHUP during a long wait: remembered in a flag so the waiting code can roll
//! back what it started instead of dying halfway.

use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};

use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};

static RECEIVED: AtomicI32 = AtomicI32::new(0);
static COUNT: AtomicU32 = AtomicU32::new(0);

extern "C" fn remember(signal: nix::libc::c_int) {
    RECEIVED.store(signal, Ordering::SeqCst);
    COUNT.fetch_add(1, Ordering::SeqCst);
}

/// From now on, SIGINT, SIGTERM and SIGHUP only set the flag read by [`received`].
pub fn install() {
    let action = SigAction::new(
        SigHandler::Handler(remember),
        SaFlags::empty(),
        SigSet::empty(),
    );
    for signal in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        // SAFETY: the handler only stores into an atomic, which is async-signal-safe.
        unsafe {
            let _ = sigaction(signal, &action);
        }
    }
}

/// The signal received since [`install`], if any.
pub fn received() -> Option<Signal> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        n => Signal::try_from(n).ok(),
    }
}

/// How many signals have arrived since [`install`]: a wait that began at one count and sees
/// another was interrupted, while the clean-up after an earlier signal still runs its commands.
pub fn count() -> u32 {
    COUNT.load(Ordering::SeqCst)
}

/// Ends this process by `signal`, as it would have ended without [`install`]: for a command
/// that only needed the time to clean up (`logs -f`), so its caller still sees the signal.
pub fn die_of(signal: Signal) -> ! {
    let default = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
    // SAFETY: restoring the default disposition installs no handler.
    unsafe {
        let _ = sigaction(signal, &default);
    }
    let _ = nix::sys::signal::raise(signal);
    std::process::exit(128 + signal as i32)
}
