//! The `mailwhy` binary: a few lines; everything is in [`mailwhy_cli::run`].

fn main() -> std::process::ExitCode {
    mailwhy_cli::run(std::env::args_os())
}
