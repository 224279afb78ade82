//! What stops a run or the exporter: Ctrl-C everywhere; SIGTERM (what systemd and `kill` send)
//! on Unix; Ctrl-Break and closing the console window on Windows. The handlers are installed
//! when `Stop::install` is called, so a signal sent right after that is never lost.

/// Installed stop handlers; `wait` returns when one fires.
pub struct Stop {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
    #[cfg(windows)]
    ctrl_c: Option<tokio::signal::windows::CtrlC>,
    #[cfg(windows)]
    ctrl_break: Option<tokio::signal::windows::CtrlBreak>,
    #[cfg(windows)]
    ctrl_close: Option<tokio::signal::windows::CtrlClose>,
}

impl Stop {
    /// Install the handlers (inside a runtime). One that cannot be installed is left out: the
    /// run then waits for the others rather than stop at once.
    #[cfg(unix)]
    pub fn install() -> Stop {
        use tokio::signal::unix::{SignalKind, signal};
        Stop {
            interrupt: signal(SignalKind::interrupt()).ok(),
            terminate: signal(SignalKind::terminate()).ok(),
        }
    }

    #[cfg(windows)]
    pub fn install() -> Stop {
        use tokio::signal::windows;
        Stop {
            ctrl_c: windows::ctrl_c().ok(),
            ctrl_break: windows::ctrl_break().ok(),
            ctrl_close: windows::ctrl_close().ok(),
        }
    }

    #[cfg(not(any(unix, windows)))]
    pub fn install() -> Stop {
        Stop {}
    }

    /// Until one of the handlers fires.
    #[cfg(unix)]
    pub async fn wait(mut self) {
        tokio::select! {
            () = on(self.interrupt.as_mut().map(|s| s.recv())) => {}
            () = on(self.terminate.as_mut().map(|s| s.recv())) => {}
        }
    }

    #[cfg(windows)]
    pub async fn wait(mut self) {
        tokio::select! {
            () = on(self.ctrl_c.as_mut().map(|s| s.recv())) => {}
            () = on(self.ctrl_break.as_mut().map(|s| s.recv())) => {}
            () = on(self.ctrl_close.as_mut().map(|s| s.recv())) => {}
        }
    }

    #[cfg(not(any(unix, windows)))]
    pub async fn wait(self) {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Until `f` completes; forever when there is no handler to wait on.
#[cfg(any(unix, windows))]
async fn on<F: std::future::Future>(f: Option<F>) {
    match f {
        Some(f) => {
            f.await;
        }
        None => std::future::pending::<()>().await,
    }
}
