fn main() {
    // Measurement variant: the existing blocking run() inside a current-thread tokio runtime.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let code = rt.block_on(async {
        if std::env::var_os("RCLUSTER_TOKIO_PROBE").is_some() {
            probe().await;
        }
        rcluster::run(std::env::args_os())
    });
    std::process::exit(code);
}

/// Reachable only with RCLUSTER_TOKIO_PROBE set: links the fs/process/time/signal parts an async
/// start loop would use, so the size counts them.
async fn probe() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("signal");
    let _ = tokio::fs::read_to_string("/proc/self/stat").await;
    let mut child = tokio::process::Command::new("true").spawn().expect("spawn");
    tokio::select! {
        _ = child.wait() => {}
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
        _ = tokio::time::sleep(std::time::Duration::from_millis(20)) => {}
    }
}
