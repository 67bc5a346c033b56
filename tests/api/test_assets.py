"""Restaurant images and /assets over real HTTP: upload (type by content, size limit, thumbnails),
immutable serving with ETag, 304 and Range, and who may upload. Runs against the default file
object store and, in S3Backend, against s3rver."""

import hashlib
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import s3rver_harness  # noqa: E402

# The server's environment is fixed when the harness is imported: give it s3rver's credentials.
os.environ.update(s3rver_harness.S3rver().env({}))
import hotpath_harness as h  # noqa: E402
from png import make_png, png_size  # noqa: E402

ADMIN_EMAIL = "root@test.hotpath.dev"


def setup_world(client, admin):
    rid = client.post("/v1/restaurants", {"name": "Pictures", "location": {"lat": 41.0, "lon": 29.0}},
                      token=admin).json["id"]
    other = client.post("/v1/restaurants", {"name": "Other", "location": {"lat": 41.0, "lon": 29.01}},
                        token=admin).json["id"]
    staff, _ = h.create_user(client, admin, "restaurant", restaurant_id=rid)
    other_staff, _ = h.create_user(client, admin, "restaurant", restaurant_id=other)
    return rid, staff, other_staff


def upload(client, rid, data, token, content_type="image/png"):
    return client.request("POST", "/v1/restaurants/%s/images" % rid, token=token,
                          headers={"Content-Type": content_type}, raw=data)


class UploadAndServe(unittest.TestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server, cls.c, cls.admin = h.start_with_admin(ADMIN_EMAIL)
        cls.rid, cls.staff, cls.other_staff = setup_world(cls.c, cls.admin)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_upload_makes_thumbnails_under_content_hash_urls(self):
        data = make_png(640, 320, seed=1)
        r = upload(self.c, self.rid, data, self.staff)
        self.assertEqual(r.status, 201, r)
        body = r.json
        digest = hashlib.sha256(data).hexdigest()
        self.assertEqual(body["url"], "/assets/%s.png" % digest)
        self.assertTrue(body["id"].startswith("img_"))
        self.assertEqual((body["width"], body["height"]), (640, 320))
        self.assertEqual([t["width"] for t in body["thumbnails"]], [160, 480])
        for t in body["thumbnails"]:
            got = self.c.get(t["url"])
            self.assertEqual(got.status, 200)
            self.assertEqual(png_size(got.body), (t["width"], t["height"]))
            self.assertEqual(t["url"], "/assets/%s.png" % hashlib.sha256(got.body).hexdigest())
        self.assertEqual(png_size(self.c.get(body["thumbnails"][0]["url"]).body), (160, 80))
        listed = self.c.get("/v1/restaurants/%s/images" % self.rid)
        self.assertEqual(listed.status, 200)
        self.assertIn(body["id"], [i["id"] for i in listed.json["images"]])
        again = upload(self.c, self.rid, data, self.admin)
        self.assertEqual(again.status, 201)
        self.assertEqual(again.json["id"], body["id"])

    def test_assets_are_immutable_with_etag_304_and_ranges(self):
        data = make_png(200, 100, seed=2)
        url = upload(self.c, self.rid, data, self.staff).json["url"]
        r = self.c.get(url)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, data)
        self.assertEqual(r.header("content-type"), "image/png")
        self.assertEqual(r.header("cache-control"), "public, max-age=31536000, immutable")
        etag = r.header("etag")
        self.assertEqual(etag, '"%s"' % hashlib.sha256(data).hexdigest())
        self.assertEqual(r.header("accept-ranges"), "bytes")
        not_modified = self.c.get(url, headers={"If-None-Match": etag})
        self.assertEqual(not_modified.status, 304)
        self.assertEqual(not_modified.body, b"")
        self.assertEqual(not_modified.header("etag"), etag)
        self.assertEqual(self.c.get(url, headers={"If-None-Match": '"other"'}).status, 200)
        part = self.c.get(url, headers={"Range": "bytes=0-9"})
        self.assertEqual(part.status, 206)
        self.assertEqual(part.body, data[:10])
        self.assertEqual(part.header("content-range"), "bytes 0-9/%d" % len(data))
        tail = self.c.get(url, headers={"Range": "bytes=-5"})
        self.assertEqual((tail.status, tail.body), (206, data[-5:]))
        beyond = self.c.get(url, headers={"Range": "bytes=%d-" % len(data)})
        self.assertEqual(beyond.status, 416)
        self.assertEqual(beyond.header("content-range"), "bytes */%d" % len(data))
        stale_if_range = self.c.get(url, headers={"Range": "bytes=0-9", "If-Range": '"old"'})
        self.assertEqual((stale_if_range.status, stale_if_range.body), (200, data))
        head = self.c.request("HEAD", url)
        self.assertEqual(head.status, 200)
        self.assertEqual(head.header("content-length"), str(len(data)))
        for bad in ("/assets/" + "0" * 64 + ".png", "/assets/nothing.png", "/assets/" + "a" * 64 + ".exe"):
            self.assertEqual(self.c.get(bad).status, 404, bad)

    def test_refusals(self):
        data = make_png(64, 64, seed=3)
        customer, _ = h.signup(self.c)
        self.assertEqual(upload(self.c, self.rid, data, None).status, 401)
        self.assertEqual(upload(self.c, self.rid, data, customer).status, 403)
        self.assertEqual(upload(self.c, self.rid, data, self.other_staff).status, 403)
        self.assertEqual(upload(self.c, "rst_nope", data, self.admin).status, 404)
        text = upload(self.c, self.rid, b"hello, I am not a picture", self.staff)
        self.assertEqual(text.status, 415)
        self.assertEqual(text.header("content-type"), "application/problem+json")
        self.assertIn("text/plain", text.json["detail"])
        self.assertEqual(upload(self.c, self.rid, data, self.staff, content_type="text/plain").status, 415)
        self.assertEqual(upload(self.c, self.rid, data, self.staff, content_type="image/jpeg").status, 415)
        self.assertEqual(upload(self.c, self.rid, b"", self.staff).status, 400)
        corrupt = upload(self.c, self.rid, data[:len(data) // 2], self.staff)
        self.assertEqual(corrupt.status, 422, corrupt)
        big = upload(self.c, self.rid, data + b"\0" * (2 << 20), self.staff)
        self.assertEqual(big.status, 413)
        self.assertEqual(big.header("content-type"), "application/problem+json")


class SizeLimit(unittest.TestCase):
    def test_image_limit_below_the_body_limit(self):
        server = h.Server(extra_args=["--max-image-bytes", "20000"])
        self.addCleanup(server.cleanup)
        h.create_user_offline(server.data_dir, ADMIN_EMAIL, h.PASSWORD, "Root", "admin")
        server.start()
        c = server.client()
        admin, _ = h.login(c, ADMIN_EMAIL, h.PASSWORD)
        rid, staff, _ = setup_world(c, admin)
        r = upload(c, rid, make_png(200, 200, seed=4), staff)
        self.assertEqual(r.status, 413)
        self.assertIn("20000", r.json["detail"])
        self.assertEqual(upload(c, rid, make_png(16, 16, seed=4), staff).status, 201)


class S3Backend(unittest.TestCase):
    def test_images_live_in_s3(self):
        s3 = s3rver_harness.S3rver().start()
        self.addCleanup(s3.stop)
        server = h.Server(extra_args=["--objects-url", s3.url()])
        self.addCleanup(server.cleanup)
        h.create_user_offline(server.data_dir, ADMIN_EMAIL, h.PASSWORD, "Root", "admin")
        server.start()
        c = server.client()
        admin, _ = h.login(c, ADMIN_EMAIL, h.PASSWORD)
        rid, staff, _ = setup_world(c, admin)
        data = make_png(300, 150, seed=5)
        r = upload(c, rid, data, staff)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(c.get(r.json["url"]).body, data)
        self.assertIn('Stored object "assets/%s.png" in bucket "hotpath"' % hashlib.sha256(data).hexdigest(),
                      s3.log())
        self.assertEqual(len(c.get("/v1/restaurants/%s/images" % rid).json["images"]), 1)
        self.assertFalse(os.path.exists(os.path.join(server.data_dir, "objects", "assets")))


if __name__ == "__main__":
    unittest.main()
