fn main() {
    std::process::exit(rcluster::run(std::env::args_os()));
}
