vcl 4.1;
# Varnish 7.1 in front of Newsroom's gunicorn (TLS terminates in front of Varnish).
#
# The app decides what is cacheable (newsroom/caching.py): anonymous reading pages come with
#   Cache-Control: public, max-age=.., s-maxage=S, stale-while-revalidate=W, stale-if-error=E
# and a `Cache-Tags` header. Varnish keeps them S seconds, and after every save the app sends
# `BAN /` with `X-Ban-Tags: <tags>`, which drops every page carrying one of those tags.
#
# Start with two named listeners: `public` for the TLS proxy, `purge` for the app's bans
# (every reader arrives from the TLS proxy's address, so an address check alone cannot tell
# a reader from the app; 6082 is varnishadm's port in Debian's varnish.service):
#   varnishd -a public=127.0.0.1:6081 -a purge=127.0.0.1:6083 -f /etc/varnish/default.vcl \
#            -p vcl_path=/etc/varnish -s malloc,256m
# with backend.vcl (backend address, purge ACL) next to this file. Bans are only tested
# against obj.* so the ban lurker can clear old objects in the background; lower its
# -p ban_lurker_age (default 60 s) if many bans pile up. No brotli in Varnish: it serves
# gzip (HTML compressed here; whitenoise's pre-compressed .gz for static files), and a
# plain copy of its own to clients without gzip (vcl_recv, vcl_hash).

import std;

include "backend.vcl";

sub vcl_recv {
    # Internal flags (stale-if-error dance, X-Cache label): never from a client.
    if (req.restarts == 0) {
        unset req.http.X-Varnish-Fresh;
        unset req.http.X-Varnish-Stale-Ok;
        unset req.http.X-Varnish-Pass;
    }
    # Names the bucket to fetch from (below): set here only, never by a client.
    unset req.http.X-Media-Bucket;

    # The purge listener takes purges from the app servers and nothing else.
    if (local.socket == "purge") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (req.method != "BAN" && req.method != "PURGE") {
            return (synth(405, "Method Not Allowed"));
        }
    } else if (req.method == "BAN" || req.method == "PURGE") {
        # Readers all arrive from the TLS proxy's address, which may be a purger's too.
        return (synth(405, "Method Not Allowed"));
    }

    # The request's id in the app's log lines (newsroom/logging.py): Varnish's own
    # transaction id, the number varnishlog shows for this request. Never a client's: nginx
    # passes on what readers send, and an id of their choosing could pose as another
    # request's.
    set req.http.X-Request-ID = req.xid;

    # /metrics is for the app servers' own scraper (METRICS_ALLOWED_IPS), never through
    # the front. (The app refuses forwarded requests as well; this one stops here.)
    if (req.url ~ "^/metrics([/?]|$)") {
        return (synth(404, "Not Found"));
    }

    # Tag invalidation from the app: BAN / with "X-Ban-Tags: a-42 list".
    if (req.method == "BAN") {
        # Tags are [a-z0-9-]+, so they are safe inside the regex and the ban expression.
        if (req.http.X-Ban-Tags !~ "^[a-z0-9-]+( [a-z0-9-]+)*$") {
            return (synth(400, "X-Ban-Tags missing or invalid"));
        }
        # Only obj.* in the expression: the ban lurker can test it in the background.
        # A whole tag between separators; written without spaces or quotes, which std.ban()
        # would split on or keep as part of the regex.
        if (std.ban("obj.http.Cache-Tags ~ (^|[^a-z0-9-])(" + regsuball(req.http.X-Ban-Tags, " ", "|") + ")([^a-z0-9-]|$)")) {
            return (synth(200, "Banned"));
        }
        return (synth(400, std.ban_error()));
    }
    # One address, e.g. after a manual fix: PURGE /lindenau/ (with the X-Forwarded-Proto
    # of the copy to drop, see vcl_hash). Both encodings go: the gzip copy first, then
    # vcl_purge restarts for the plain one.
    if (req.method == "PURGE") {
        if (req.restarts == 0) {
            unset req.http.X-Varnish-Plain;
        } else {
            set req.http.X-Varnish-Plain = "1";
        }
        return (purge);
    }

    # Read a request body completely before the app sees it: a gunicorn sync worker waits
    # for the whole body, so a few clients sending slowly would block every worker. The
    # limit is a bit above the largest upload (IMAGE_UPLOAD_MAX_BYTES, 10 MB). A declared
    # length over it is refused before reading; Varnish still reads the rest away, so the
    # client gets the error page instead of a reset connection.
    if (req.http.Content-Length || req.http.Transfer-Encoding) {
        if (std.integer(req.http.Content-Length, 0) > 12582912) {
            return (synth(413, "Payload Too Large"));
        }
        if (!std.cache_req_body(12MB)) {
            # A chunked body over the limit (or a client that gave up).
            return (synth(413, "Payload Too Large"));
        }
    }

    # Two encodings, each stored as it is served: "gzip" or none (as Varnish itself washes
    # the header after vcl_recv; done here already so that passes agree). A client without
    # gzip (monitors, curl, crawlers) gets a plain copy of its own (vcl_hash) instead of a
    # gunzip per hit.
    if (req.http.Accept-Encoding ~ "(?i)(^|,)\s*gzip\s*(;|,|$)"
        && req.http.Accept-Encoding !~ "(?i)(^|,)\s*gzip\s*;\s*q\s*=\s*0(\.0*)?\s*(,|$)") {
        set req.http.Accept-Encoding = "gzip";
    } else {
        unset req.http.Accept-Encoding;
    }
    # Uploads, images and fonts are compressed already: one copy for every client.
    unset req.http.X-Varnish-Plain;
    if (!req.http.Accept-Encoding && req.url !~ "^/media/"
        && req.url !~ "(?i)\.(png|jpe?g|gif|webp|avif|ico|woff2?)(\?|$)") {
        set req.http.X-Varnish-Plain = "1";
    }

    # Media in object storage (backend.vcl, sub media_bucket): /media/ comes from the
    # bucket (vcl_backend_fetch), one copy for readers and staff alike. Only object names
    # go there: no folder (a listing), no dot segment, and no query, which S3 would read
    # as an operation (?acl, ?tagging) and which would only split the cache.
    if (req.url ~ "^/media/" && (req.method == "GET" || req.method == "HEAD")) {
        call media_bucket;
        if (req.http.X-Media-Bucket == "" || req.url ~ "(?i)^[^?]*/(\.|%2e){0,2}(/|\?|$)") {
            unset req.http.X-Media-Bucket;
        } else {
            set req.url = regsub(req.url, "\?.*$", "");
            unset req.http.Cookie;
            unset req.http.Authorization;
        }
    }

    # Health checks (newsroom/health.py) are answered by the app every time.
    if (req.url ~ "^/(healthz|readyz)([?]|$)") {
        return (pass);
    }

    # Forms, beacons, clicks: straight to the app, cookies (CSRF) included.
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Logged-in staff (admin, article previews) and the admin itself are never cached.
    if (req.url ~ "^/admin(/|$)" || req.http.Authorization || req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    # The job-ad form sets Django's CSRF cookie and must see it again (its GET is never_cache).
    if (req.url ~ "^/stellenmarkt/anzeige-aufgeben/") {
        return (pass);
    }
    # Reading pages depend on no cookie: drop them (analytics, a stale csrftoken) so that
    # every reader shares one cached copy.
    unset req.http.Cookie;

    # After a restart from vcl_hit: fetch a fresh copy, keeping the stale one as a fallback.
    if (req.http.X-Varnish-Fresh) {
        set req.hash_always_miss = true;
    } else {
        set req.hash_always_miss = false;
    }
    return (hash);
}

sub vcl_hash {
    # http and https answers differ (the app redirects plain http): never mix them.
    hash_data(req.http.X-Forwarded-Proto);
    # The plain copy beside the gzip one. (Not by Vary: with http_gzip_support Varnish
    # ignores Vary: Accept-Encoding when it looks up a copy.)
    if (req.http.X-Varnish-Plain) {
        hash_data("plain");
    }
    # The builtin vcl_hash adds URL and Host.
}

sub vcl_purge {
    # PURGE: the gzip copy is gone; restart once for the plain one (vcl_recv).
    if (!req.http.X-Varnish-Plain) {
        return (restart);
    }
}

sub vcl_hit {
    if (obj.ttl >= 0s) {
        return (deliver);
    }
    # The fetch below failed or the backend is down: stale-if-error.
    if (req.http.X-Varnish-Stale-Ok) {
        return (deliver);
    }
    # Within stale-while-revalidate: serve stale now, refresh in the background.
    if (obj.ttl + std.duration(obj.http.X-Varnish-SWR, 0s) > 0s) {
        return (deliver);
    }
    # Older (kept only for stale-if-error): fetch now; vcl_synth comes back here on failure.
    set req.http.X-Varnish-Fresh = "1";
    return (restart);
}

sub vcl_pass {
    set req.http.X-Varnish-Pass = "1";
}

sub vcl_backend_fetch {
    # The plain copy (vcl_recv): http_gzip_support set "Accept-Encoding: gzip" on this
    # fetch; without it the app (whitenoise) answers uncompressed. The flag stays inside.
    if (bereq.http.X-Varnish-Plain) {
        unset bereq.http.Accept-Encoding;
    }
    unset bereq.http.X-Varnish-Plain;

    # Media in the bucket (vcl_recv): /media/<key> is /<bucket>/<key> there. What is not
    # there (vcl_backend_response) the retry asks the app for, as the reader asked.
    if (bereq.http.X-Media-Bucket) {
        if (bereq.retries == 0) {
            set bereq.http.X-Media-Url = bereq.url;
            set bereq.http.X-Media-Host = bereq.http.Host;
            set bereq.backend = bucket;
            set bereq.url = "/" + bereq.http.X-Media-Bucket + regsub(bereq.url, "^/media/", "/");
            unset bereq.http.Host;  # the bucket's own (.host_header)
        } else {
            set bereq.backend = default;
            set bereq.url = bereq.http.X-Media-Url;
            set bereq.http.Host = bereq.http.X-Media-Host;
            unset bereq.http.X-Media-Bucket;
        }
    }
}

sub vcl_backend_response {
    # A failed refresh must not replace the stale copy: abandon keeps it (stale-if-error).
    if (beresp.status >= 500 && (bereq.is_bgfetch || bereq.http.X-Varnish-Fresh)) {
        return (abandon);
    }
    # Media from the bucket (vcl_backend_fetch).
    if (bereq.http.X-Media-Bucket) {
        if (beresp.status == 403 || beresp.status == 404) {
            # Not there (403 where the policy allows no listing): a rendition not made
            # yet the app makes now; for anything else it answers its 404 page.
            return (retry);
        }
        if (beresp.status != 200) {
            return (error(503, "Service Unavailable"));
        }
        # As nginx sent them from disk (deploy/nginx/newsroom-proxy.conf): renditions for a
        # year (the address changes with the file), other files for 30 days, kept here a
        # day (as the app's media answers), or longer while the bucket is unreachable.
        if (bereq.http.X-Media-Url ~ "^/media/renditions/") {
            set beresp.http.Cache-Control = "public, max-age=31536000, immutable";
            set beresp.ttl = 365d;
        } else {
            set beresp.http.Cache-Control = "max-age=2592000";
            set beresp.ttl = 1d;
        }
        set beresp.grace = 1d;
        set beresp.keep = 1h;
        # Shown by other sites (feeds, link previews); an upload opened on its own runs
        # nothing as our site.
        set beresp.http.Cross-Origin-Resource-Policy = "cross-origin";
        set beresp.http.Content-Security-Policy = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
        set beresp.http.X-Content-Type-Options = "nosniff";
        # One copy for everyone (a bucket's Vary: Origin would split it); the bucket's own
        # bookkeeping stays inside, as the app's names do (vcl_deliver).
        unset beresp.http.Vary;
        unset beresp.http.Set-Cookie;
        unset beresp.http.Access-Control-Allow-Origin;
        unset beresp.http.x-amz-request-id;
        unset beresp.http.x-amz-id-2;
        unset beresp.http.x-amzn-requestid;
        unset beresp.http.x-amz-version-id;
        unset beresp.http.x-amz-server-side-encryption;
        return (deliver);
    }
    if (bereq.url ~ "^/admin(/|$)") {
        set beresp.uncacheable = true;
        set beresp.ttl = 0s;
        return (deliver);
    }

    # Uploads get random, never reused names; Django only serves them in debug mode.
    if (bereq.url ~ "^/media/" && beresp.status == 200 && !beresp.http.Cache-Control) {
        set beresp.ttl = 1d;
    }
    # /static/: whitenoise already sends "max-age=315360000, immutable" for hashed names.
    # The app says what may be kept; without a word (no Cache-Control/Expires) nothing is,
    # instead of Varnish's default_ttl of two minutes.
    if (!beresp.http.Cache-Control && !beresp.http.Expires && beresp.ttl > 0s && bereq.url !~ "^/media/") {
        set beresp.ttl = 0s;
    }

    # TTL comes from s-maxage (builtin). Grace covers both stale windows; vcl_hit tells them
    # apart with the stale-while-revalidate value kept on the object.
    if (beresp.http.Cache-Control ~ "stale-while-revalidate=[0-9]+") {
        set beresp.http.X-Varnish-SWR = regsub(beresp.http.Cache-Control, "^.*stale-while-revalidate=([0-9]+).*$", "\1s");
    } else {
        set beresp.http.X-Varnish-SWR = "0s";
    }
    set beresp.grace = std.duration(beresp.http.X-Varnish-SWR, 0s);
    if (beresp.http.Cache-Control ~ "stale-if-error=[0-9]+") {
        set beresp.http.X-Varnish-SIE = regsub(beresp.http.Cache-Control, "^.*stale-if-error=([0-9]+).*$", "\1s");
        if (std.duration(beresp.http.X-Varnish-SIE, 0s) > beresp.grace) {
            set beresp.grace = std.duration(beresp.http.X-Varnish-SIE, 0s);
        }
        unset beresp.http.X-Varnish-SIE;
    }
    # Keep a while longer for conditional refetches (If-None-Match to the app).
    set beresp.keep = 1h;

    if (beresp.http.Content-Type ~ "^(text/|application/(javascript|json|xml|atom\+xml|rss\+xml|manifest\+json)|image/svg\+xml)") {
        # Compressible: a copy per encoding (vcl_hash). Vary tells the caches between us
        # and the reader (a company proxy) to keep them apart too.
        if (!beresp.http.Vary) {
            set beresp.http.Vary = "Accept-Encoding";
        } else if (beresp.http.Vary !~ "(?i)(^|,)\s*Accept-Encoding\s*(,|$)") {
            set beresp.http.Vary = beresp.http.Vary + ", Accept-Encoding";
        }
        # Stored gzipped for gzip clients only; the plain copy stays plain.
        if (!beresp.http.Content-Encoding && bereq.http.Accept-Encoding) {
            set beresp.do_gzip = true;
        }
    }
    # A reading page that is momentarily uncacheable (s-maxage=0 just before a scheduled
    # change, or "no-cache" when the data changed while it was rendered): hit-for-miss for
    # one second only, not the builtin's two minutes, so it is cached again right after.
    if (!beresp.http.Set-Cookie && beresp.http.Cache-Control !~ "(?i)private|no-store"
        && (beresp.ttl <= 0s || beresp.http.Cache-Control ~ "(?i)no-cache")) {
        set beresp.uncacheable = true;
        set beresp.ttl = 1s;
        return (deliver);
    }
    # Falls through to the builtin: Set-Cookie, private, no-store, no-cache or no s-maxage/
    # max-age make the answer uncacheable (passed, hit-for-miss for 2 minutes).
}

sub vcl_backend_error {
    # The app is down: keep the stale copy (a background refresh just fails quietly, a
    # synchronous one goes back through vcl_synth to the stale copy).
    if (bereq.is_bgfetch || bereq.http.X-Varnish-Fresh) {
        return (abandon);
    }
    # No stale copy: the builtin's 503 is kept for a second, so that readers waiting for
    # the same page get it at once instead of each trying the app in turn. vcl_deliver
    # shows them the error page instead of its "Guru Meditation".
    set beresp.http.X-Varnish-Error = "1";
}

sub vcl_synth {
    # The synchronous refresh failed: deliver the stale copy instead (stale-if-error).
    if (resp.status == 503 && req.http.X-Varnish-Fresh && req.restarts < 3) {
        unset req.http.X-Varnish-Fresh;
        set req.http.X-Varnish-Stale-Ok = "1";
        return (restart);
    }
    unset resp.http.Server;
    # The app servers get plain answers (the reason says what was wrong with a ban).
    if (local.socket == "purge" || resp.status < 400) {
        return (deliver);
    }
    # Readers get a page in German and the portal's colours, self-contained: Varnish
    # answers these without the app (which may be down, or must not see the request).
    # The TLS proxy's own 413 page (deploy/nginx/newsroom-proxy.conf) is the same.
    if (resp.status == 413) {
        set resp.http.X-Title = "Die Datei ist zu groß";
        set resp.http.X-Text = "Was Sie senden wollten, ist größer als erlaubt: Bilder höchstens 10 MB. Bitte verkleinern Sie die Datei und versuchen Sie es noch einmal.";
    } else if (resp.status == 503) {
        set resp.http.X-Title = "Die Seite ist gerade nicht erreichbar";
        set resp.http.X-Text = "Bitte versuchen Sie es in ein paar Minuten noch einmal.";
        set resp.http.Retry-After = "30";
    } else if (resp.status == 405) {
        set resp.http.X-Title = "Diese Anfrage ist nicht erlaubt";
        set resp.http.X-Text = "Die Seite kann so nicht abgerufen werden.";
        set resp.http.Allow = "GET, HEAD, POST";
    } else if (resp.status == 404) {
        set resp.http.X-Title = "Diese Seite gibt es nicht";
        set resp.http.X-Text = "Unter dieser Adresse gibt es keine Seite.";
    } else {
        set resp.http.X-Title = "Die Anfrage konnte nicht bearbeitet werden";
        set resp.http.X-Text = "Bitte versuchen Sie es noch einmal.";
    }
    set resp.http.Content-Type = "text/html; charset=utf-8";
    set resp.http.Cache-Control = "no-store";
    set resp.body = {"<!doctype html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>"} + resp.http.X-Title + {"</title>
<style>
body{margin:0;background:#fff;color:#1a1a1a;font:1.0625rem/1.6 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",Arial,sans-serif}
header{background:#0b4f8a;height:.5rem}
main{max-width:40rem;margin:0 auto;padding:2rem 1rem}
h1{font-family:Georgia,"Times New Roman",serif;font-size:1.75rem;line-height:1.25;margin:0 0 1rem}
a{color:#0b4f8a}
a:focus{outline:3px solid #c05600;outline-offset:2px}
</style>
</head>
<body>
<header></header>
<main>
<h1>"} + resp.http.X-Title + {"</h1>
<p>"} + resp.http.X-Text + {"</p>
<p><a href="/">Zur Startseite</a></p>
</main>
</body>
</html>
"};
    unset resp.http.X-Title;
    unset resp.http.X-Text;
    return (deliver);
}

sub vcl_deliver {
    if (resp.http.X-Varnish-Error) {
        return (synth(503, "Service Unavailable"));
    }
    if (req.http.X-Varnish-Pass) {
        set resp.http.X-Cache = "PASS";
    } else if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    if (req.http.X-Varnish-Stale-Ok) {
        set resp.http.X-Cache = "STALE";
    }
    # A cached copy carries the id of the request that fetched it: each reader gets the
    # id of their own request.
    set resp.http.X-Request-ID = req.http.X-Request-ID;
    # Internal bookkeeping stays inside, and so do the software names and versions.
    unset resp.http.Cache-Tags;
    unset resp.http.X-Varnish-SWR;
    unset resp.http.Server;
    unset resp.http.X-Powered-By;
    unset resp.http.Via;
}
