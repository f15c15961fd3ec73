fn main() {
    // Measurement variant: the existing blocking run() inside a current-thread tokio runtime.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let code = rt.block_on(async {
        rcluster::run(std::env::args_os())
    });
    std::process::exit(code);
}

