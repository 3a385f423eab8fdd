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

# Media in object storage (MEDIA_STORAGE=s3): Varnish fetches /media/<key> from the bucket
# as /<bucket>/<key> (path style), without credentials: the bucket's policy lets anyone, or
# just this host, read objects (s3:GetObject), never list them. Plain HTTP: Varnish speaks
# no TLS to backends (a bucket on the private network, or a local TLS relay: deploy/README.md).
backend bucket {
    .host = "127.0.0.1";
    .port = "9000";
    .host_header = "127.0.0.1:9000";  # the Host the endpoint answers to
    .connect_timeout = 2s;
    .first_byte_timeout = 10s;
    .between_bytes_timeout = 10s;
}

sub media_bucket {
    # The bucket's name (AWS_STORAGE_BUCKET_NAME); empty while the media are on disk
    # (MEDIA_STORAGE=disk), where nginx serves them.
    set req.http.X-Media-Bucket = "";
}
