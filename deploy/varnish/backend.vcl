# Included by default.vcl (found on varnishd's vcl_path). The site-specific part: where
# gunicorn listens and who may purge. Production: copy to /etc/varnish/backend.vcl and
# edit; tests and `make bench` write their own copy into a temp dir listed first in vcl_path.

backend default {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
}

# Hosts that may send BAN/PURGE, on the purge listener only (varnishd -a purge=...:6083):
# the app servers, whose HTTP_CACHE_PURGE_URLS point there.
acl purgers {
    "127.0.0.1";
    "::1";
}
