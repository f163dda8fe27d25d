fn main() {
    std::process::exit(pressgate::cli::run());
}
