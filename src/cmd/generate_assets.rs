//! `crashkit generate-assets` (hidden): writes the files generated from the
//! command-line definition: `completions/` for every shell clap_complete
//! knows, `man/` with one page per subcommand, and
//! `docs/configuration.md`, `docs/processed-crash.md` (from the
//! processed crash's field table) and `docs/search-fields.md` (from Super
//! Search's). The repository commits them; a test fails when
//! they drift from the CLI.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::ValueEnum;
use clap_complete::{Generator, Shell};

use super::ExitStatus;
use crate::cli::Cli;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory to write completions/, man/ and docs/ into.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
}

/// Every generated file: its path relative to the output directory and its content.
pub fn assets() -> anyhow::Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut files = Vec::new();
    for shell in Shell::value_variants() {
        let mut cmd = Cli::command();
        let mut buf = Vec::new();
        clap_complete::generate(*shell, &mut cmd, "crashkit", &mut buf);
        files.push((
            Path::new("completions").join(shell.file_name("crashkit")),
            buf,
        ));
    }
    let mut root = Cli::command();
    root.build();
    man_pages(&root, "crashkit", &mut files)?;
    let mut docs = Vec::new();
    crate::config::docs(&mut docs)?;
    files.push((PathBuf::from("docs/configuration.md"), docs));
    let mut fields = Vec::new();
    crate::processed_crash::docs(&mut fields)?;
    files.push((PathBuf::from("docs/processed-crash.md"), fields));
    let mut search_fields = Vec::new();
    crate::search::fields::docs(&mut search_fields)?;
    files.push((PathBuf::from("docs/search-fields.md"), search_fields));
    Ok(files)
}

fn man_pages(
    cmd: &clap::Command,
    name: &str,
    files: &mut Vec<(PathBuf, Vec<u8>)>,
) -> anyhow::Result<()> {
    let page = cmd
        .clone()
        .name(name.to_owned())
        .bin_name(name.replace('-', " "));
    let mut buf = Vec::new();
    clap_mangen::Man::new(page).render(&mut buf)?;
    files.push((Path::new("man").join(format!("{name}.1")), buf));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        if sub.get_name() == "help" {
            continue;
        }
        man_pages(sub, &format!("{name}-{}", sub.get_name()), files)?;
    }
    Ok(())
}

pub fn run(args: Args, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    for (rel, content) in assets()? {
        let path = args.out.join(&rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&path, content).with_context(|| format!("writing {}", path.display()))?;
        writeln!(out, "{}", rel.display())?;
    }
    Ok(ExitStatus::Success)
}
