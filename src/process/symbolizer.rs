//! The parsed symbol files a processing worker keeps, looked up for every
//! frame of every crash.
//!
//! rust-minidump's own `Symbolizer` keys its cache with four strings built
//! for each lookup (the code id and debug id formatted as hex), and the
//! stackwalker asks twice per frame: on a thread-heavy crash that was an
//! eighth of the processing time. Here a module is found by its debug id
//! (a plain value) and its file names, compared borrowed, with nothing
//! allocated per lookup.
//!
//! A file that was found stays parsed for the worker's life. A file that
//! was not (missing, unreadable, a server down) is asked for again after
//! [`RETRY_MISSING`], not never: [`super::symbols::SymbolSource`] keeps
//! its own time-to-live markers, so asking again is cheap, and a symbol
//! server that was down comes back into use without restarting workers.
//! Per-module statistics (loaded, missing, corrupt, URL) are kept as the
//! stackwalker's JSON reports them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use breakpad_symbols::{
    FileError, FileKind, FillSymbolError, FrameSymbolizer, FrameWalker, Module, SymbolError,
    SymbolFile, SymbolStats, SymbolSupplier,
};
use debugid::DebugId;
use minidump_unwind::SymbolProvider;

/// How long a module whose symbols were not found waits to be asked again.
pub const RETRY_MISSING: Duration = Duration::from_secs(60);

/// Past this many modules remembered, those without symbols are forgotten
/// (dumps can name any number of modules; found symbol files stay).
const MAX_MODULES: usize = 10_000;

/// Symbol files from `S`, parsed once per worker.
pub struct Symbolizer<S> {
    supplier: S,
    retry_missing: Duration,
    /// By debug id, then code and debug file.
    modules: Mutex<HashMap<Option<DebugId>, Vec<Entry>>>,
    stats: Mutex<HashMap<String, SymbolStats>>,
}

struct Entry {
    code_file: String,
    debug_file: Option<String>,
    loaded: Arc<tokio::sync::OnceCell<Loaded>>,
}

/// The outcome of looking a module's symbols up once.
struct Loaded {
    symbols: Option<SymbolFile>,
    at: Instant,
}

impl<S: SymbolSupplier + Send + Sync> Symbolizer<S> {
    pub fn new(supplier: S) -> Symbolizer<S> {
        Symbolizer {
            supplier,
            retry_missing: RETRY_MISSING,
            modules: Mutex::new(HashMap::new()),
            stats: Mutex::new(HashMap::new()),
        }
    }

    /// The same, asking again for missing symbols after `delay`.
    pub fn retry_missing_after(self, delay: Duration) -> Symbolizer<S> {
        Symbolizer {
            retry_missing: delay,
            ..self
        }
    }

    /// The slot of `module`'s symbols: found, or made (and made again when
    /// a lookup that found nothing has aged).
    fn slot(&self, module: &(dyn Module + Sync)) -> Arc<tokio::sync::OnceCell<Loaded>> {
        let code_file = module.code_file();
        let debug_file = module.debug_file();
        let Ok(mut modules) = self.modules.lock() else {
            // Poisoned only by a panic elsewhere: look up without caching.
            return Arc::default();
        };
        let entries = modules.entry(module.debug_identifier()).or_default();
        let found = entries.iter_mut().find(|e| {
            e.code_file == code_file.as_ref() && e.debug_file.as_deref() == debug_file.as_deref()
        });
        match found {
            Some(entry) => {
                let stale = entry
                    .loaded
                    .get()
                    .is_some_and(|l| l.symbols.is_none() && l.at.elapsed() >= self.retry_missing);
                if stale {
                    entry.loaded = Arc::default();
                }
                entry.loaded.clone()
            }
            None => {
                if modules.len() > MAX_MODULES {
                    forget_missing(&mut modules);
                    if let Ok(mut stats) = self.stats.lock() {
                        stats.retain(|_, s| s.loaded_symbols);
                    }
                }
                let loaded: Arc<tokio::sync::OnceCell<Loaded>> = Arc::default();
                let entries = modules.entry(module.debug_identifier()).or_default();
                entries.push(Entry {
                    code_file: code_file.into_owned(),
                    debug_file: debug_file.map(|f| f.into_owned()),
                    loaded: loaded.clone(),
                });
                loaded
            }
        }
    }

    /// Runs `f` on `module`'s symbols, locating and parsing them first if
    /// this worker has not yet.
    async fn with_symbols<T>(
        &self,
        module: &(dyn Module + Sync),
        f: impl FnOnce(&SymbolFile) -> T,
    ) -> Option<T> {
        let slot = self.slot(module);
        let loaded = slot.get_or_init(|| self.locate(module)).await;
        loaded.symbols.as_ref().map(f)
    }

    async fn locate(&self, module: &(dyn Module + Sync)) -> Loaded {
        let result = self.supplier.locate_symbols(module).await;
        let mut stats = SymbolStats::default();
        let symbols = match result {
            Ok(found) => {
                stats.symbol_url.clone_from(&found.symbols.url);
                stats.loaded_symbols = true;
                stats.extra_debug_info = found.extra_debug_info;
                Some(found.symbols)
            }
            Err(SymbolError::ParseError(..)) => {
                // Found, but unusable: reported as loaded and corrupt.
                stats.loaded_symbols = true;
                stats.corrupt_symbols = true;
                None
            }
            Err(_) => None,
        };
        let name = breakpad_symbols::basename(&module.code_file()).to_owned();
        if let Ok(mut all) = self.stats.lock() {
            all.insert(name, stats);
        }
        Loaded {
            symbols,
            at: Instant::now(),
        }
    }
}

/// Drops every module whose lookup found no symbols.
fn forget_missing(modules: &mut HashMap<Option<DebugId>, Vec<Entry>>) {
    modules.retain(|_, entries| {
        entries.retain(|e| e.loaded.get().is_none_or(|l| l.symbols.is_some()));
        !entries.is_empty()
    });
}

#[async_trait]
impl<S: SymbolSupplier + Send + Sync> SymbolProvider for Symbolizer<S> {
    async fn fill_symbol(
        &self,
        module: &(dyn Module + Sync),
        frame: &mut (dyn FrameSymbolizer + Send),
    ) -> Result<(), FillSymbolError> {
        self.with_symbols(module, |symbols| symbols.fill_symbol(module, frame))
            .await
            .ok_or(FillSymbolError {})
    }

    async fn walk_frame(
        &self,
        module: &(dyn Module + Sync),
        walker: &mut (dyn FrameWalker + Send),
    ) -> Option<()> {
        self.with_symbols(module, |symbols| symbols.walk_frame(module, walker))
            .await
            .flatten()
    }

    async fn get_file_path(
        &self,
        module: &(dyn Module + Sync),
        file_kind: FileKind,
    ) -> Result<PathBuf, FileError> {
        self.supplier.locate_file(module, file_kind).await
    }

    fn stats(&self) -> HashMap<String, SymbolStats> {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use breakpad_symbols::{LocateSymbolsResult, SimpleFrame, SimpleModule};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Has symbols for `found.pdb` only, and counts the lookups.
    #[derive(Default)]
    struct Counting {
        lookups: AtomicUsize,
    }

    #[async_trait]
    impl SymbolSupplier for Counting {
        async fn locate_symbols(
            &self,
            module: &(dyn Module + Sync),
        ) -> Result<LocateSymbolsResult, SymbolError> {
            self.lookups.fetch_add(1, Ordering::SeqCst);
            if module.debug_file().as_deref() != Some("found.pdb") {
                return Err(SymbolError::NotFound);
            }
            let text = b"MODULE windows x86_64 ABCD found.pdb\nFUNC 1000 10 0 found_function\n";
            Ok(LocateSymbolsResult {
                symbols: SymbolFile::from_bytes(text)?,
                extra_debug_info: None,
            })
        }

        async fn locate_file(
            &self,
            _module: &(dyn Module + Sync),
            _file_kind: FileKind,
        ) -> Result<PathBuf, FileError> {
            Err(FileError::NotFound)
        }
    }

    fn module(debug_file: &str) -> SimpleModule {
        SimpleModule {
            code_file: Some(debug_file.into()),
            ..SimpleModule::new(debug_file, DebugId::default())
        }
    }

    async fn fill(s: &Symbolizer<Counting>, m: &SimpleModule) -> Option<String> {
        let mut frame = SimpleFrame::with_instruction(0x1004);
        s.fill_symbol(m, &mut frame).await.ok()?;
        frame.function
    }

    #[tokio::test]
    async fn found_symbols_are_parsed_once_and_missing_ones_asked_again_later() {
        let s = Symbolizer::new(Counting::default()).retry_missing_after(Duration::ZERO);
        let (found, missing) = (module("found.pdb"), module("missing.pdb"));
        for _ in 0..3 {
            assert_eq!(fill(&s, &found).await.as_deref(), Some("found_function"));
        }
        assert_eq!(s.supplier.lookups.load(Ordering::SeqCst), 1);
        for _ in 0..3 {
            assert_eq!(fill(&s, &missing).await, None);
        }
        // With no wait before asking again, each lookup asks.
        assert_eq!(s.supplier.lookups.load(Ordering::SeqCst), 4);
        let stats = s.stats();
        let (f, m) = (&stats["found.pdb"], &stats["missing.pdb"]);
        assert!(f.loaded_symbols && !f.corrupt_symbols);
        assert!(!m.loaded_symbols);
    }

    #[tokio::test]
    async fn a_flood_of_unknown_modules_is_forgotten_not_kept() {
        let s = Symbolizer::new(Counting::default());
        let found = module("found.pdb");
        assert!(fill(&s, &found).await.is_some());
        for i in 0..MAX_MODULES + 2000 {
            let m = SimpleModule {
                debug_id: Some(DebugId::from_parts(uuid::Uuid::from_u128(i as u128 + 1), 0)),
                ..module(&format!("missing{i}.pdb"))
            };
            assert_eq!(fill(&s, &m).await, None);
        }
        assert!(s.modules.lock().unwrap().len() <= MAX_MODULES + 1);
        assert!(s.stats.lock().unwrap().len() <= MAX_MODULES + 1);
        // The symbols found stay parsed: no second lookup.
        let asked = s.supplier.lookups.load(Ordering::SeqCst);
        assert!(fill(&s, &found).await.is_some());
        assert_eq!(s.supplier.lookups.load(Ordering::SeqCst), asked);
    }

    #[tokio::test]
    async fn missing_symbols_are_remembered_within_the_retry_window() {
        let s = Symbolizer::new(Counting::default());
        let missing = module("missing.pdb");
        for _ in 0..3 {
            assert_eq!(fill(&s, &missing).await, None);
        }
        assert_eq!(s.supplier.lookups.load(Ordering::SeqCst), 1);
    }
}
