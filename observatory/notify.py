"""Notifications: a message after a run that raised watch alerts, and one when a run fails.

Channels are apprise URLs (one library for e-mail `mailto://`, webhooks `json://` /
`jsons://` and chat `slack://`, `msteams://`, ...), read from the environment variable that
`notifications.urls_env` names; they carry credentials, so they never come from the
configuration file and never appear in logs: a channel is only ever named by its masked URL
(`json://user:****@host/...`), and apprise's own log lines, which may echo a URL, are
silenced while it sends. A channel that fails is logged as a warning and never fails the run.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from observatory.config import Config

log = logging.getLogger("observatory.notify")

# Set on an exception once its failure has been recorded and notified, so that a run that
# fails inside the flow is not notified again by the command that launched the flow.
_NOTIFIED = "_observatory_failure_notified"


@dataclass(frozen=True)
class Delivery:
    """How many channels took the message, and how many failed (or were not valid URLs)."""

    sent: int
    failed: int


def channel_urls(cfg: Config) -> list[str]:
    """The apprise URLs of the environment variable named by `notifications.urls_env`,
    separated by spaces or new lines; none when it is unset or empty."""
    return os.environ.get(cfg.notifications.urls_env, "").split()


def send(urls: list[str], title: str, body: str, *, failure: bool = False) -> Delivery:
    """Send one message to every channel; never raises. Warnings name a channel by its
    masked URL only."""
    if not urls:
        return Delivery(0, 0)
    try:
        import apprise
    except ImportError:  # pragma: no cover - a declared dependency
        log.warning("notifications: apprise is not installed; %d channel(s) skipped", len(urls))
        return Delivery(0, len(urls))
    notify_type = apprise.NotifyType.FAILURE if failure else apprise.NotifyType.WARNING
    sent = failed = 0
    with _apprise_silenced():
        for url in urls:
            scheme = url.split("://", 1)[0] if "://" in url else "?"
            try:
                channels = apprise.Apprise()
                if not channels.add(url):
                    failed += 1
                    log.warning("notifications: a configured URL is not a valid apprise URL "
                                "(scheme %r); skipped", scheme)
                    continue
                for channel in channels:
                    if channel.notify(body=body, title=title, notify_type=notify_type):
                        sent += 1
                    else:
                        failed += 1
                        log.warning("notifications: channel %s did not take the message "
                                    "(the run goes on)", channel.url(privacy=True))
            except Exception as exc:  # a plugin's own error fails its channel only
                failed += 1
                log.warning("notifications: a %s:// channel failed (%s; the run goes on)",
                            scheme, type(exc).__name__)
    return Delivery(sent, failed)


@contextmanager
def _apprise_silenced() -> Iterator[None]:
    """Apprise logs unparseable URLs whole, and payloads at debug level: mute it while it
    works (our own warnings say what failed, with masked URLs)."""
    logger = logging.getLogger("apprise")
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.CRITICAL + 1)
    logger.propagate = False
    try:
        yield
    finally:
        logger.setLevel(level)
        logger.propagate = propagate


# ------------------------------------------------------------------------------- alerts


def alerts_message(cfg: Config, summary: dict[str, Any]) -> tuple[str, str] | None:
    """Title and body of the message on the alerts a run raised (None: it raised none):
    counts per rule, then the titles of the largest new alerts of each rule, read from the
    published database's `ops.alerts`."""
    alerts = (summary.get("watch") or {}).get("alerts") or {}
    raised = {rule: n for rule, n in (alerts.get("raised") or {}).items() if n}
    total = sum(raised.values())
    if not total:
        return None
    run_id = summary.get("run_id", "?")
    home = summary.get("home", cfg.study.home)
    title = f"Observatoire {home}: {total} new watch alert{'s' if total != 1 else ''}"
    lines = [f"Run {run_id} raised {total} alert{'s' if total != 1 else ''}, cleared "
             f"{alerts.get('cleared', 0)}; {alerts.get('open', 0)} open.",
             "Raised per rule: " + ", ".join(f"{rule.replace('_', ' ')} {n}"
                                             for rule, n in raised.items())]
    published = Path(summary.get("published_path") or cfg.warehouse.published)
    top = _top_alerts(published, run_id, cfg.notifications.top_alerts,
                      cfg.report.language)
    if top:
        lines.append("Largest new alerts:")
        lines += [f"- [{rule.replace('_', ' ')}] {text}" for rule, text in top]
    report = cfg.report.dir / ("watch.html" if cfg.report.language == "fr" else "watch.en.html")
    if report.is_file():
        lines.append(f"Watch report: {report}")
    return title, "\n".join(lines)


def _top_alerts(published: Path, run_id: str, per_rule: int,
                language: str) -> list[tuple[str, str]]:
    """(rule, title) of the run's new alerts, the `per_rule` most severe of each rule."""
    if not published.is_file():
        return []
    import duckdb

    column = "title_fr" if language == "fr" else "title_en"
    try:
        with duckdb.connect(str(published), read_only=True) as con:
            rows = con.execute(
                f"""
                with ranked as (
                    select rule, {column} as title,
                           row_number() over (partition by rule
                                              order by severity desc nulls last, alert_key)
                               as rank
                    from ops.alerts where raised_run = ?
                ),
                final as (select rule, title, rank from ranked where rank <= ?)
                select * from final
                """,
                [run_id, per_rule]).fetchall()
    except duckdb.Error as exc:
        log.warning("notifications: alerts not read from %s (%s)", published,
                    type(exc).__name__)
        return []
    from observatory.watch.alerts import RULES

    order = {rule: i for i, rule in enumerate(RULES)}
    return [(rule, title) for rule, title, _ in
            sorted(rows, key=lambda r: (order.get(r[0], len(order)), r[0], r[2]))]


def notify_alerts(cfg: Config, summary: dict[str, Any]) -> Delivery | None:
    """After a run: the alerts message to every channel, when the run raised alerts."""
    if not cfg.notifications.on_alerts:
        return None
    urls = channel_urls(cfg)
    if not urls:
        return None
    try:
        message = alerts_message(cfg, summary)
    except Exception as exc:  # a message that cannot be built never fails the run
        log.warning("notifications: alerts message not built (%s)", type(exc).__name__)
        return Delivery(0, len(urls))
    if message is None:
        return None
    return send(urls, *message)


# ----------------------------------------------------------------------------- failures


def failure_reason(exc: BaseException) -> str:
    """The error's one-line reason: its type and the first line of its message."""
    from observatory.schedule import one_line

    text = one_line(str(exc))
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def failure_message(cfg: Config, what: str, run_id: str, reason: str) -> tuple[str, str]:
    title = f"Observatoire {cfg.study.home}: {what} run failed"
    body = (f"The {what} run {run_id} failed at "
            f"{datetime.now(UTC).isoformat(timespec='seconds')}: {reason}\n"
            f"Configuration: {cfg.path}")
    return title, body


def record_failure(cfg: Config, run_id: str, what: str, reason: str) -> Path | None:
    """The failed run's summary in `warehouse.runs_dir` (status `failed`, with the reason),
    which `observatory status` reads; an existing summary of that run is kept."""
    path = cfg.warehouse.runs_dir / f"{run_id}.json"
    summary = {"run_id": run_id, "kind": what, "status": "failed", "error": reason,
               "ended_at": datetime.now(UTC).isoformat(timespec="seconds"),
               "config": str(cfg.path), "home": cfg.study.home,
               "years": [cfg.study.first_year, cfg.study.last_year], "inputs": []}
    try:
        if path.exists():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        log.warning("the failed run's summary was not written (%s)", type(exc).__name__)
        return None
    return path


@contextmanager
def failures_notified(cfg: Config, what: str, run_id: str | None = None) -> Iterator[None]:
    """Around a run: an exception is recorded as a failed run and notified with its
    one-line reason, then re-raised unchanged."""
    from observatory.errors import RunInProgress

    try:
        yield
    except RunInProgress:
        raise  # another run holds the warehouse: this one did nothing, it did not fail
    except Exception as exc:
        if not getattr(exc, _NOTIFIED, False):
            try:
                _record_and_notify(cfg, what, run_id, exc)
            except Exception as problem:  # never hide the run's own error
                log.warning("the failure was not recorded or notified (%s)",
                            type(problem).__name__)
            with suppress(AttributeError, TypeError):
                setattr(exc, _NOTIFIED, True)
        raise


def _record_and_notify(cfg: Config, what: str, run_id: str | None,
                       exc: BaseException) -> None:
    if run_id is None:
        from observatory.stages.prepare import new_run_id

        run_id = new_run_id()
    reason = failure_reason(exc)
    record_failure(cfg, run_id, what, reason)
    if cfg.notifications.on_failure:
        send(channel_urls(cfg), *failure_message(cfg, what, run_id, reason), failure=True)
