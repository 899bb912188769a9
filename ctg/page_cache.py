"""Rendered pages served again from the cache until the data they show changes.

A page of a convention costs 10 to 20 ms to build at national scale, most of it queries and
template rendering; served from the cache it costs one query more than the smallest view.
What makes that safe is the key: it holds the revisions of every scope the page depends on,
read *before* the page is built, and those revisions are kept by PostgreSQL itself.

- Statement triggers on every table (but sessions, outbox and logs) note, from the rows a
  statement touched, which scopes it changes: "c<id>" for a convention and everything that
  belongs to it (found through the models' foreign keys), "g" for the data every page shows
  (organisations, territories, users, memberships, groups), "u<id>" and "k<id>" for a
  user's and a group's rights.
- At commit, one deferred trigger adds one to each noted scope, to "*", and to the groups
  and users who may view the changed conventions (whose lists show them). The rows
  are locked only during the commit, in a fixed order: writers do not wait on each other and
  cannot deadlock.
- Because the revisions and the data are committed together, a page built after reading
  revision N shows data at least as new as N: it can be newer than its key, never older.

Pages of a convention depend on "c<id>", "g" and the user's "u<id>"; lists depend on "g",
"u<id>" and the user's groups' "k<id>" (everything, "*", for a superuser). The key also holds
the user, the address, the day (pages say what is late) and the release (templates change).
CSRF tokens are taken out before storing and the request's own put back; a request with
flash messages or from htmx is built as usual. Only on PostgreSQL (the SQLite demo builds
every page)."""

import functools
import hashlib
import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone

# Rows that no page shows, or that change on every request or e-mail.
UNTRACKED = {
    "admin.logentry",
    "auth.permission",
    "contenttypes.contenttype",
    "ctg.heartbeat",
    "ctg.outboundemail",
    "ctg.revision",
    "sessions.session",
}
UNTRACKED_APPS = {"axes"}
# A login writes `last_login`; a password is not shown anywhere.
UNSHOWN_USER_COLUMNS = {"last_login", "password"}

CONVENTION_PAGE = "convention"
LIST_PAGE = "list"
PUBLIC_PAGE = "public"

CSRF_PLACEHOLDER = b"\x00csrf-token\x00"
CSRF_IN_PAGE = re.compile(rb'(name="csrfmiddlewaretoken" value="|<meta name="csrf-token" content=")[A-Za-z0-9]{64}(")')


# --- Which scopes a row changes --------------------------------------------------------------


def _convention_model():
    return apps.get_model("ctg", "Convention")


def _foreign_keys(model):
    return [field for field in model._meta.concrete_fields if field.many_to_one and field.related_model]


def convention_expression(model, alias: str, depth: int = 0) -> str | None:
    """SQL giving the convention a row of `model` (aliased `alias`) belongs to, or None."""
    convention = _convention_model()
    if model is convention or getattr(model, "instance_type", None) is convention:
        return f"{alias}.id"
    keys = [field for field in _foreign_keys(model) if field.related_model is not model]
    for field in keys:
        if field.related_model is convention and field.name != "previous":
            return f"{alias}.{connection.ops.quote_name(field.column)}"
    if depth > 3:
        return None
    for field in keys:
        target = field.related_model
        inner = f"t{depth}"
        expression = convention_expression(target, inner, depth + 1)
        if expression is not None:
            return (
                f"(SELECT {expression} FROM {connection.ops.quote_name(target._meta.db_table)} {inner} "
                f"WHERE {inner}.{connection.ops.quote_name(target._meta.pk.column)} = "
                f"{alias}.{connection.ops.quote_name(field.column)})"
            )
    return None


def scopes_query(model) -> str:
    """A query over the transition table `{rows}` giving the scopes its rows change."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    convention = convention_expression(model, "r")
    parts = [f"SELECT 'c' || {convention} FROM {{rows}} r" if convention else "SELECT 'g' FROM {rows} r"]
    for field in _foreign_keys(model):
        column = connection.ops.quote_name(field.column)
        if field.related_model is user_model and field.name == "user":
            parts.append(f"SELECT 'u' || r.{column} FROM {{rows}} r")
        elif field.related_model is Group:
            parts.append(f"SELECT 'k' || r.{column} FROM {{rows}} r")
    return " UNION ".join(parts)


def tracked_models():
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        tracked = meta.label_lower not in UNTRACKED and meta.app_label not in UNTRACKED_APPS
        if tracked and meta.managed and not meta.proxy:
            yield model


# --- The triggers -------------------------------------------------------------------------------

FUNCTIONS = """
CREATE TABLE IF NOT EXISTS ctg_revision_flush (id bigserial PRIMARY KEY);

CREATE OR REPLACE FUNCTION ctg_revision_note(scopes text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    pending text := coalesce(current_setting('ctg.revision_scopes', true), '');
BEGIN
    IF scopes IS NULL OR cardinality(scopes) = 0 THEN
        RETURN;
    END IF;
    PERFORM set_config(
        'ctg.revision_scopes',
        (SELECT string_agg(DISTINCT s, ',') FROM unnest(string_to_array(nullif(pending, ''), ',') || scopes) s),
        true
    );
    IF pending = '' THEN
        -- One deferred event per transaction: the flush below, at commit (or at once, when
        -- the tests make it immediate).
        INSERT INTO ctg_revision_flush DEFAULT VALUES;
    END IF;
END $$;

CREATE OR REPLACE FUNCTION ctg_revision_touch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    query text := TG_ARGV[0];
    scopes text[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        query := replace(query, '{rows}', 'new_rows');
    ELSIF TG_OP = 'DELETE' THEN
        query := replace(query, '{rows}', 'old_rows');
    ELSIF TG_OP = 'UPDATE' AND position('{rows}' in query) > 0 THEN
        query := replace(query, '{rows}', 'new_rows') || ' UNION ' || replace(query, '{rows}', 'old_rows');
    END IF;
    EXECUTE 'SELECT array_agg(DISTINCT s) FROM (' || query || ') t(s) WHERE s IS NOT NULL' INTO scopes;
    PERFORM ctg_revision_note(scopes);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION ctg_revision_flush() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    pending text[] := string_to_array(nullif(current_setting('ctg.revision_scopes', true), ''), ',');
    conventions bigint[];
BEGIN
    DELETE FROM ctg_revision_flush WHERE id = NEW.id;
    PERFORM set_config('ctg.revision_scopes', '', true);
    IF pending IS NULL THEN
        RETURN NULL;
    END IF;
    conventions := ARRAY(SELECT substr(s, 2)::bigint FROM unnest(pending) s WHERE s LIKE 'c%');
    -- Lists show the conventions a user may view: the holders of that right see the change.
    WITH viewing AS (
        SELECT permission.id FROM auth_permission permission
        JOIN django_content_type type ON type.id = permission.content_type_id
        WHERE type.app_label = 'ctg' AND type.model = 'convention' AND permission.codename = 'view_convention'
    )
    INSERT INTO ctg_revision AS revision (scope, value)
    SELECT scope, 1 FROM (
        SELECT unnest(pending) AS scope
        UNION SELECT '*'
        UNION SELECT 'k' || group_id FROM {group_rights}
            WHERE content_object_id = ANY(conventions) AND permission_id IN (SELECT id FROM viewing)
        UNION SELECT 'u' || user_id FROM {user_rights}
            WHERE content_object_id = ANY(conventions) AND permission_id IN (SELECT id FROM viewing)
    ) changed
    ORDER BY scope
    ON CONFLICT (scope) DO UPDATE SET value = revision.value + 1;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS ctg_revision_flush ON ctg_revision_flush;
CREATE CONSTRAINT TRIGGER ctg_revision_flush AFTER INSERT ON ctg_revision_flush
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ctg_revision_flush();
"""


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def trigger_statements(model) -> list[str]:
    table = connection.ops.quote_name(model._meta.db_table)
    query = _literal(scopes_query(model))
    statements = [
        f"CREATE OR REPLACE TRIGGER ctg_revision_insert AFTER INSERT ON {table} "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ctg_revision_touch({query})",
        f"CREATE OR REPLACE TRIGGER ctg_revision_delete AFTER DELETE ON {table} "
        f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ctg_revision_touch({query})",
        f"CREATE OR REPLACE TRIGGER ctg_revision_truncate AFTER TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION ctg_revision_touch({_literal('SELECT $$g$$')})",
    ]
    if model is apps.get_model(settings.AUTH_USER_MODEL):
        # PostgreSQL gives no transition tables to a trigger on some columns: "g" is enough.
        shown = ", ".join(
            connection.ops.quote_name(field.column)
            for field in model._meta.concrete_fields
            if field.column not in UNSHOWN_USER_COLUMNS
        )
        statements.append(
            f"CREATE OR REPLACE TRIGGER ctg_revision_update AFTER UPDATE OF {shown} ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION ctg_revision_touch({_literal('SELECT $$g$$')})"
        )
    else:
        statements.append(
            f"CREATE OR REPLACE TRIGGER ctg_revision_update AFTER UPDATE ON {table} "
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION ctg_revision_touch({query})"
        )
    return statements


def install_triggers(using="default", **kwargs):
    """Create or refresh the functions and each table's triggers (after every migrate)."""
    from django.db import connections

    if connections[using].vendor != "postgresql":
        return
    convention_model = _convention_model()
    group_rights = convention_model.conventiongroupobjectpermission_set.rel.related_model._meta.db_table
    user_rights = convention_model.conventionuserobjectpermission_set.rel.related_model._meta.db_table
    with connections[using].cursor() as cursor:
        cursor.execute(FUNCTIONS.replace("{group_rights}", group_rights).replace("{user_rights}", user_rights))
        existing = set(connections[using].introspection.table_names(cursor))
        for model in tracked_models():
            if model._meta.db_table in existing:
                for statement in trigger_statements(model):
                    cursor.execute(statement)


# --- Serving pages ----------------------------------------------------------------------------


def enabled() -> bool:
    return settings.PAGE_CACHE_SECONDS > 0 and connection.vendor == "postgresql"


@functools.cache
def release() -> str:
    """A fingerprint of the code and templates, so that a deployment never serves the pages of
    the previous one."""
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for folder in ("ctg", "territories", "diagnostics", "actions", "governance", "templates", "static"):
        for path in sorted((base / folder).rglob("*")):
            if path.is_file() and path.suffix in {".py", ".html", ".css", ".js", ".svg"}:
                digest.update(path.relative_to(base).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def revisions(scopes: list[str], user) -> list[tuple[str, int]]:
    """The revisions of `scopes`, and of the user's groups' scopes when `user` is given, in
    one query."""
    user_groups = apps.get_model(settings.AUTH_USER_MODEL).groups.through._meta.db_table
    sql = "SELECT scope, value FROM ctg_revision WHERE scope = ANY(%s)"
    params = [scopes]
    if user is not None:
        sql += (
            " UNION ALL SELECT revision.scope, revision.value FROM ctg_revision revision"
            f" JOIN {connection.ops.quote_name(user_groups)} membership"
            " ON revision.scope = 'k' || membership.group_id WHERE membership.user_id = %s"
        )
        params.append(user.pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(cursor.fetchall())


def page_key(request, kind: str, view_name: str, convention_pk=None) -> str:
    user = request.user if request.user.is_authenticated else None
    scopes = ["g"]
    if user is not None:
        scopes.append(f"u{user.pk}")
    if convention_pk is not None:
        scopes.append(f"c{convention_pk}")
    if kind == LIST_PAGE and user is not None and user.is_superuser:
        scopes.append("*")
    found = revisions(scopes, user if kind == LIST_PAGE else None)
    parts = (release(), view_name, request.get_full_path(), user.pk if user else 0, timezone.localdate(), found)
    return "page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _storable(response) -> bytes | None:
    """The page with its CSRF tokens taken out, or None if it must not be kept."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    if not response.get("Content-Type", "").startswith("text/html"):
        return None
    content, replaced = CSRF_IN_PAGE.subn(rb"\1" + CSRF_PLACEHOLDER + rb"\2", response.content)
    # A token this module does not know how to find would be served to the next request.
    if content.count(b"csrfmiddlewaretoken") + content.count(b'name="csrf-token"') != replaced:
        return None
    return content


def cached_page(kind: str):
    """Serve the view's page from the cache while the scopes it depends on are unchanged.
    The view reads the convention from its `convention_pk` argument."""

    def decorator(view):
        view_name = f"{view.__module__}.{view.__qualname__}"

        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if (
                request.method != "GET"
                or getattr(request, "htmx", False)
                or not enabled()
                or len(get_messages(request))
            ):
                return view(request, *args, **kwargs)
            key = page_key(request, kind, view_name, kwargs.get("convention_pk"))
            stored = cache.get(key)
            if stored is not None:
                content, content_type = stored
                response = HttpResponse(
                    content.replace(CSRF_PLACEHOLDER, get_token(request).encode()), content_type=content_type
                )
                response["X-Page-Cache"] = "hit"
                return response
            response = view(request, *args, **kwargs)
            content = _storable(response)
            if content is not None:
                cache.set(key, (content, response["Content-Type"]), settings.PAGE_CACHE_SECONDS)
                response["X-Page-Cache"] = "miss"
            return response

        return wrapper

    return decorator
