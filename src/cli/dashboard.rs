//! `run`'s dashboard: which address and token it uses (config, flags,
//! `FTA_DASHBOARD_TOKEN`), starting it beside the session, and telling the
//! operator its URL once — on the terminal and in a file only they can read
//! (`dashboard.url` beside the journal, mode 600), never in a log line.
//!
//! Must never fail the run because the port is taken: trading goes on
//! without a dashboard, with an error saying so.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::cli::{RunArgs, UsageError};
use crate::control::{control_channel, SessionPort};
use crate::dashboard::{Dashboard, DashboardConfig, Token, TOKEN_VAR};
use crate::settings::{LoadInputs, Settings};

/// What `run` will serve, decided before anything connects.
pub struct Plan {
    config: DashboardConfig,
    url_file: PathBuf,
}

/// The dashboard `run` serves, or `None` when it is off.
///
/// # Errors
/// A [`UsageError`] naming `FTA_DASHBOARD_TOKEN` and where it was set, when
/// the operator's token is too short or holds unsafe characters.
pub fn plan(
    settings: &Settings,
    inputs: &LoadInputs,
    args: &RunArgs,
    journal: &Path,
) -> Result<Option<Plan>, UsageError> {
    if args.no_dashboard || !settings.dashboard.enabled {
        return Ok(None);
    }
    let token = match inputs.secret(TOKEN_VAR) {
        Some(var) => Token::from_operator(var.value.trim()).map_err(|expected| {
            UsageError::Flag(format!("{}: {TOKEN_VAR} = (hidden): {expected}", var.place))
        })?,
        None => Token::generate()
            .map_err(|e| UsageError::Flag(format!("cannot generate the dashboard token: {e}")))?,
    };
    let port = args.dashboard_port.unwrap_or(settings.dashboard.port);
    Ok(Some(Plan {
        config: DashboardConfig {
            bind: SocketAddr::new(settings.dashboard.bind, port),
            token,
            journal: journal.to_path_buf(),
        },
        url_file: journal.with_file_name("dashboard.url"),
    }))
}

/// A dashboard serving beside the session.
pub struct Running {
    dashboard: Dashboard,
    url_file: PathBuf,
}

impl Running {
    /// Stops serving and removes the URL file (its token dies with the run).
    pub async fn stop(self) {
        self.dashboard.stop().await;
        let _ = std::fs::remove_file(&self.url_file);
    }
}

/// Starts the planned dashboard and says where it is; returns it and the
/// session's end of the control channel. `None` (with an error logged) when
/// the address cannot be bound.
pub async fn start(plan: Plan) -> Option<(Running, SessionPort)> {
    let (session_port, operator_port) = control_channel();
    let bind = plan.config.bind;
    let token = plan.config.token.clone();
    match Dashboard::start(plan.config, operator_port).await {
        Ok(dashboard) => {
            announce(&dashboard, &token, &plan.url_file);
            let url_file = plan.url_file;
            Some((
                Running {
                    dashboard,
                    url_file,
                },
                session_port,
            ))
        }
        Err(error) => {
            tracing::error!(%bind, %error, "dashboard not started (is another bot using the port?): trading goes on without it; choose another port with --dashboard-port or [dashboard] port");
            None
        }
    }
}

/// The URL, once: written to `url_file` (mode 600) and, unless the log is
/// JSON, printed on stderr. The log only names where it is.
fn announce(dashboard: &Dashboard, token: &Token, url_file: &Path) {
    let url = dashboard.url(token);
    let written = write_private(url_file, &url);
    if let Err(error) = &written {
        tracing::warn!(file = %url_file.display(), %error, "cannot write the dashboard URL file");
    }
    let address = dashboard.local_addr();
    if crate::console::is_json() {
        tracing::info!(%address, file = %url_file.display(), "dashboard serving; its URL with the token is in the file");
    } else {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "dashboard: {url}");
        tracing::info!(%address, "dashboard serving (URL with its token printed above and in {})", url_file.display());
    }
}

/// Writes `text` to `path`, readable by its owner only.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let _ = std::fs::remove_file(path);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    writeln!(file, "{text}")
}
