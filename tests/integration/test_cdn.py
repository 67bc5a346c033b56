"""The CDN-style cache: `hotpath cdn nginx-config` rendered, nginx started in front of hotpath.
Assets: MISS then HIT (ranges and 304s answered from the cache). Menus: micro-cached (HIT within
the TTL) and an edited menu is served within the TTL, never later."""

import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import edge_harness as edge  # noqa: E402
import hotpath_harness as h  # noqa: E402
from png import make_png  # noqa: E402

MENU_TTL_S = 2


def setUpModule():
    global SERVER, C, ADMIN, NGINX, CDN, DIR, RID
    SERVER, C, ADMIN = h.start_with_admin("root@test.hotpath.dev")
    RID = C.post("/v1/restaurants", {"name": "Cached", "location": {"lat": 40.0, "lon": 30.0}}, token=ADMIN).json["id"]
    DIR = tempfile.mkdtemp(prefix="hotpath-cdn-")
    port = edge.free_port()
    out = subprocess.run([h.BIN, "cdn", "nginx-config", "--upstream", "127.0.0.1:%d" % SERVER.port, "--listen",
                          "127.0.0.1:%d" % port, "--dir", DIR, "--menu-ttl-s", str(MENU_TTL_S), "--out",
                          os.path.join(DIR, "nginx.conf")], capture_output=True, text=True, env=h.CHILD_ENV)
    if out.returncode != 0:
        SERVER.cleanup()
        raise RuntimeError(out.stderr)
    try:
        NGINX = edge.start_nginx(DIR, port)
    except Exception:
        SERVER.cleanup()
        raise
    CDN = h.Client("127.0.0.1", port)


def tearDownModule():
    edge.stop(NGINX)
    SERVER.cleanup()
    subprocess.run(["rm", "-rf", DIR])


class Assets(unittest.TestCase):
    def test_miss_then_hit_and_ranges_from_the_cache(self):
        data = make_png(120, 80, seed=11)
        up = C.request("POST", "/v1/restaurants/%s/images" % RID, token=ADMIN, headers={"Content-Type": "image/png"},
                       raw=data)
        self.assertEqual(up.status, 201, up)
        url = up.json["url"]
        first = CDN.get(url)
        self.assertEqual((first.status, first.header("x-cache-status")), (200, "MISS"))
        self.assertEqual(first.body, data)
        second = CDN.get(url)
        self.assertEqual((second.status, second.header("x-cache-status")), (200, "HIT"))
        self.assertEqual(second.body, data)
        self.assertEqual(second.header("cache-control"), "public, max-age=31536000, immutable")
        etag = second.header("etag")
        self.assertEqual(etag, first.header("etag"))
        part = CDN.get(url, headers={"Range": "bytes=5-14"})
        self.assertEqual((part.status, part.body, part.header("x-cache-status")), (206, data[5:15], "HIT"))
        self.assertEqual(CDN.get(url, headers={"If-None-Match": etag}).status, 304)
        self.assertEqual(CDN.get("/assets/" + "0" * 64 + ".png").status, 404)

    def test_uncached_routes_pass_through(self):
        r = CDN.get("/v1/restaurants/%s" % RID)
        self.assertEqual(r.status, 200)
        self.assertIsNone(r.header("x-cache-status"))
        self.assertEqual(CDN.post("/v1/zones", {"name": "x", "polygon": h.rect(0, 0, 1, 1)}).status, 401)


class Command(unittest.TestCase):
    def test_bad_options_are_refused_with_the_reason(self):
        for args, needle in ((["--listen", "127.0.0.1:9", "--dir", "/tmp/x"], "--upstream"),
                             (["--upstream", "nohost", "--listen", "127.0.0.1:9", "--dir", "/tmp/x"], "nohost"),
                             (["--upstream", "127.0.0.1:1", "--listen", "127.0.0.1:9", "--dir", "rel"], "--dir"),
                             (["--upstream", "127.0.0.1:1", "--listen", "127.0.0.1:9", "--dir", "/tmp/x",
                               "--menu-ttl-s", "0"], "menu-ttl-s"),
                             (["--upstream", "127.0.0.1:1", "--bogus", "1"], "--bogus")):
            out = subprocess.run([h.BIN, "cdn", "nginx-config"] + args, capture_output=True, text=True,
                                 env=h.CHILD_ENV)
            self.assertEqual(out.returncode, 2, args)
            self.assertIn(needle, out.stderr)
            self.assertEqual(out.stdout, "")


class Menus(unittest.TestCase):
    def test_micro_cached_and_an_edit_shows_within_the_ttl(self):
        path = "/v1/restaurants/%s/menu" % RID
        C.post("/v1/restaurants/%s/items" % RID, {"name": "Soup", "price": {"amount": 500, "currency": "USD"}},
               token=ADMIN)
        first = CDN.get(path)
        self.assertEqual(first.status, 200)
        self.assertIn(first.header("x-cache-status"), ("MISS", "EXPIRED"))
        second = CDN.get(path)
        self.assertEqual(second.header("x-cache-status"), "HIT")
        self.assertEqual(second.body, first.body)
        added = C.post("/v1/restaurants/%s/items" % RID, {"name": "Fresh Bread", "price": {"amount": 300,
                                                                                             "currency": "USD"}},
                       token=ADMIN)
        self.assertEqual(added.status, 201)
        edited_at = time.monotonic()
        # The origin has it at once; the cache may hold the old menu for at most the TTL.
        self.assertIn("Fresh Bread", C.get(path).text)
        while True:
            r = CDN.get(path)
            elapsed = time.monotonic() - edited_at
            if "Fresh Bread" in r.text:
                break
            self.assertEqual(r.header("x-cache-status"), "HIT")
            # nginx keeps validity in whole seconds: an entry lives TTL to TTL + 1 s.
            self.assertLess(elapsed, MENU_TTL_S + 1.5, "stale menu served past the TTL")
            time.sleep(0.05)
        self.assertIn(r.header("x-cache-status"), ("MISS", "EXPIRED"))
        self.assertEqual(CDN.get(path).header("x-cache-status"), "HIT")


if __name__ == "__main__":
    unittest.main()
