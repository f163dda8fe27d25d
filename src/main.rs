fn main() {
    // Rust ignores SIGPIPE, which turns a closed pipe (`pressgate rules list | head`) into a
    // panic inside `println!`; the default action ends the process quietly, as other CLIs do.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    std::process::exit(pressgate::cli::run());
}
