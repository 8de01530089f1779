//! crashkit: a crash-report pipeline compatible with Mozilla's Socorro.
//!
//! The library does all the work; the `crashkit` binary only parses the
//! command line, runs one of [`cmd`]'s subcommands and maps the outcome to
//! an exit status. Modules are named after the domain: [`crash_id`],
//! [`config`], [`storage`], [`collector`], [`queue`], [`process`],
//! [`signature`], [`search`] (the Super Search index and queries),
//! [`crashstats`] (the client of a remote Crash Stats), [`synth`]
//! (synthetic crashes for tests and benchmarks); [`retry`] is the one retry
//! policy of remote clients.

pub mod cli;
pub mod cmd;
pub mod collector;
pub mod config;
pub mod crash_id;
pub mod crashstats;
pub mod logging;
pub mod process;
pub mod queue;
pub mod retry;
pub mod search;
pub mod signature;
pub mod storage;
pub mod synth;
