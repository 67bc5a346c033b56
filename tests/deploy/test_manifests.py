"""The deploy files agree with the binary they deploy.

Kubernetes manifests (deploy/k8s), the Dockerfile (deploy/docker) and the Terraform (deploy/aws)
name ports, probe paths, HOTPATH_* variables, config keys, metric names and the shutdown grace of
hotpath. This test asks the freshly built binary about each of them: `hotpath config show` must
accept the environment and the ConfigMap's TOML exactly as a pod would see them (the binary refuses
unknown HOTPATH_* variables and unknown keys), and a running server must answer the probe paths and
export the metrics the autoscaler and the alarms are built on.

Needs python3-yaml (Debian). Runs in a second or two.
"""

import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402

REPO = h.REPO
K8S = os.path.join(REPO, "deploy", "k8s")
DOCKERFILE = os.path.join(REPO, "deploy", "docker", "Dockerfile")
AWS = os.path.join(REPO, "deploy", "aws")
SECRET_TEMPLATE = "secret.example.yaml"
HAPROXY_CONFIG = os.path.join(REPO, "src", "cluster", "haproxy_config.cpp")
# server.role values of a cluster, one Deployment each (`single` is the one-process default).
ROLES = {"primary", "api"}
# Applied outside the namespace's kustomization (the adapter lives in the monitoring namespace).
NOT_IN_KUSTOMIZATION = {SECRET_TEMPLATE, "prometheus-adapter-rules.yaml", "kustomization.yaml"}
# Seconds the server may spend after its drain budget closing streams (net/server.cpp: at most 1 s).
STREAM_CLOSE_S = 1


def load_manifests():
    docs = {}
    for path in sorted(glob.glob(os.path.join(K8S, "*.yaml"))):
        with open(path, encoding="utf-8") as f:
            docs[os.path.basename(path)] = [d for d in yaml.safe_load_all(f) if d]
    return docs


def objects(docs, kind, files=None):
    out = []
    for name, items in docs.items():
        if files is not None and name not in files:
            continue
        out.extend(d for d in items if d.get("kind") == kind)
    return out


def config_show(env, config_file=None):
    """Runs `hotpath config show` with exactly `env` as its HOTPATH_* environment."""
    child = dict(h.CHILD_ENV)
    child.update(env)
    args = [h.BIN, "config", "show"]
    if config_file:
        args += ["--config", config_file]
    return subprocess.run(args, capture_output=True, text=True, timeout=30, env=child)


def parse_show(text):
    """`config show` output -> {"section.key": value}."""
    values, section = {}, None
    for line in text.splitlines():
        m = re.match(r"^\[(\w+)\]$", line)
        if m:
            section = m.group(1)
            continue
        m = re.match(r'^(\w+) = "(.*)"$', line)
        if m:
            values["%s.%s" % (section, m.group(1))] = m.group(2)
    return values


def env_name(key):
    """core/config.cpp: HOTPATH_ + the key's name (without its section) in upper case."""
    return "HOTPATH_" + key.split(".", 1)[1].upper().replace("-", "_")


def dockerfile_env():
    """ENV lines of the runtime stage (the last FROM), continuation lines joined."""
    with open(DOCKERFILE, encoding="utf-8") as f:
        text = f.read().replace("\\\n", " ")
    stage = text.rsplit("\nFROM ", 1)[1]
    env = {}
    for line in stage.splitlines():
        if line.startswith("ENV "):
            env.update(dict(re.findall(r"(\w+)=(\S+)", line)))
    return env, stage


def terraform_default(variable):
    """The default of `variable "NAME"` in deploy/aws/variables.tf (strings, numbers, lists)."""
    with open(os.path.join(AWS, "variables.tf"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r'variable "%s" \{(.*?)\n\}' % re.escape(variable), text, re.S)
    if not m:
        raise AssertionError("deploy/aws/variables.tf has no variable %s" % variable)
    d = re.search(r"^\s*default\s*=\s*(.+)$", m.group(1), re.M)
    if not d:
        raise AssertionError("variable %s has no default" % variable)
    return json.loads(d.group(1))


def terraform_text():
    text = ""
    for path in sorted(glob.glob(os.path.join(AWS, "*.tf"))):
        with open(path, encoding="utf-8") as f:
            text += f.read() + "\n"
    return text


def role_of(deployment):
    """The server.role a Deployment sets (its literal HOTPATH_ROLE), or None."""
    for item in deployment["spec"]["template"]["spec"]["containers"][0].get("env", []):
        if item["name"] == "HOTPATH_ROLE":
            return item.get("value")
    return None


def haproxy_primary_routes():
    """What `hotpath cluster` sends to the primary: the path_beg prefixes of its dispatch_path acl
    and the WebSocket path whose rider sockets it routes there."""
    with open(HAPROXY_CONFIG, encoding="utf-8") as f:
        text = f.read()
    prefixes = re.search(r"acl dispatch_path path_beg ([^\n]+)", text)
    ws = re.search(r"acl ws_path path (\S+)", text)
    assert prefixes and ws, "src/cluster/haproxy_config.cpp: dispatch_path / ws_path acl not found"
    return prefixes.group(1).split(), ws.group(1)


def ingress_backend(ingress, path):
    """The Service an Ingress sends `path` to: an Exact match first, then the longest Prefix match
    by path element (the Kubernetes Ingress rules)."""
    best = None
    for rule in ingress["spec"]["rules"]:
        for p in rule["http"]["paths"]:
            service = p["backend"]["service"]["name"]
            if p["pathType"] == "Exact":
                if p["path"] == path:
                    return service
                continue
            prefix = p["path"].rstrip("/")
            if prefix == "" or path == prefix or path.startswith(prefix + "/"):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), service)
    return best[1] if best else None


class Manifests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.docs = load_manifests()
        secrets = objects(cls.docs, "Secret", {SECRET_TEMPLATE})
        assert len(secrets) == 1, "secret.example.yaml must hold the one Secret template"
        cls.secret = secrets[0]
        cls.deployments = objects(cls.docs, "Deployment")
        assert cls.deployments, "no Deployment in deploy/k8s"
        defaults = config_show({})
        assert defaults.returncode == 0, defaults.stderr
        cls.defaults = parse_show(defaults.stdout)
        cls.known_env = {env_name(k): k for k in cls.defaults}
        cls.tmp = tempfile.mkdtemp(prefix="hotpath-deploy-test-")
        cls._effective = {}

    @classmethod
    def tearDownClass(cls):
        import shutil
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # --- helpers -------------------------------------------------------------------------------

    def container(self, deployment):
        containers = deployment["spec"]["template"]["spec"]["containers"]
        self.assertEqual(len(containers), 1, deployment["metadata"]["name"])
        return containers[0]

    def resolved_env(self, deployment):
        """The container's environment as the pod gets it: image ENV, then the manifest's values,
        Secret references resolved from the template. Returns (env, names that came from the Secret)."""
        env, _ = dockerfile_env()
        from_secret = set()
        secret_data = self.secret.get("stringData", {})
        for item in self.container(deployment).get("env", []):
            name = item["name"]
            if "value" in item:
                env[name] = str(item["value"])
                continue
            ref = item.get("valueFrom", {}).get("secretKeyRef")
            self.assertIsNotNone(ref, "%s: only literal values and secretKeyRef are used" % name)
            self.assertEqual(ref["name"], self.secret["metadata"]["name"], name)
            self.assertIn(ref["key"], secret_data, "%s: the Secret template has no key %s" % (name, ref["key"]))
            env[name] = secret_data[ref["key"]]
            from_secret.add(name)
        return env, from_secret

    def config_file_for(self, deployment, env):
        """Writes the ConfigMap file that HOTPATH_CONFIG names (through its volume mount) to disk."""
        path = env.get("HOTPATH_CONFIG")
        self.assertIsNotNone(path, "HOTPATH_CONFIG is not set")
        spec = deployment["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for mount in self.container(deployment).get("volumeMounts", []):
            if path.startswith(mount["mountPath"].rstrip("/") + "/"):
                key = path[len(mount["mountPath"].rstrip("/")) + 1:]
                source = volumes[mount["name"]].get("configMap")
                self.assertIsNotNone(source, "%s is not mounted from a ConfigMap" % path)
                maps = [c for c in objects(self.docs, "ConfigMap") if c["metadata"]["name"] == source["name"]]
                self.assertEqual(len(maps), 1, "ConfigMap %s" % source["name"])
                self.assertIn(key, maps[0]["data"], "ConfigMap %s has no %s" % (source["name"], key))
                out = os.path.join(self.tmp, "%s-%s" % (deployment["metadata"]["name"], key))
                with open(out, "w", encoding="utf-8") as f:
                    f.write(maps[0]["data"][key])
                return out
        self.fail("HOTPATH_CONFIG=%s is not inside any volume mount" % path)

    def effective_config(self, deployment):
        """`hotpath config show` with the pod's environment and config file. A backend URL from the
        Secret template whose scheme this build does not support yet (PostgreSQL, Redis, Kafka, S3
        arrive with their issues) is reported and replaced by the default, so that its variable
        name is still checked; any other refusal fails the test."""
        name = deployment["metadata"]["name"]
        if name not in self._effective:
            self._effective[name] = self._effective_config(deployment)
        return self._effective[name]

    def _effective_config(self, deployment):
        env, from_secret = self.resolved_env(deployment)
        hotpath_env = {k: v for k, v in env.items() if k.startswith("HOTPATH_")}
        config_file = self.config_file_for(deployment, hotpath_env)
        run_env = dict(hotpath_env)
        run_env["HOTPATH_CONFIG"] = config_file
        for _ in range(len(run_env) + 1):
            out = config_show(run_env)
            if out.returncode == 0:
                return parse_show(out.stdout), env
            m = re.match(r"hotpath: (HOTPATH_\w+): unsupported URL '[^']*' \(this build supports: ([^)]*)\)",
                         out.stderr.strip())
            if not m or m.group(1) not in from_secret:
                self.fail("hotpath config show refused %s's environment/config: %s"
                          % (deployment["metadata"]["name"], out.stderr.strip()))
            name = m.group(1)
            print("note: %s=%s... needs a backend this build lacks (supports: %s); name checked only"
                  % (name, run_env[name].split(":", 1)[0], m.group(2)))
            run_env[name] = self.defaults[self.known_env[name]]
        self.fail("config show kept refusing")

    def port_of(self, container, port):
        if isinstance(port, int):
            return port
        named = {p["name"]: p["containerPort"] for p in container["ports"]}
        self.assertIn(port, named, "no container port named %s" % port)
        return named[port]

    # --- tests ---------------------------------------------------------------------------------

    def test_kustomization_lists_every_manifest(self):
        kust = self.docs["kustomization.yaml"][0]
        listed = set(kust["resources"])
        for name in listed:
            self.assertTrue(os.path.exists(os.path.join(K8S, name)), "kustomization lists missing %s" % name)
        for name in self.docs:
            if name not in NOT_IN_KUSTOMIZATION:
                self.assertIn(name, listed, "%s is not in kustomization.yaml" % name)
        self.assertNotIn(SECRET_TEMPLATE, listed, "the Secret template must never be applied as is")

    def test_environment_and_config_are_accepted_by_the_binary(self):
        for d in self.deployments:
            env, _ = self.resolved_env(d)
            for name in env:
                if name.startswith("HOTPATH_") and name != "HOTPATH_CONFIG":
                    self.assertIn(name, self.known_env, "%s: the binary has no variable %s"
                                  % (d["metadata"]["name"], name))
            values, _ = self.effective_config(d)
            self.assertTrue(values, "config show printed nothing")

    def test_a_deployment_per_role(self):
        """One Deployment per server.role of a cluster, each setting it through the variable the
        binary reads (an unknown variable or value fails `config show`), and the effective config
        says that role."""
        by_role = {}
        for d in self.deployments:
            name = d["metadata"]["name"]
            role = role_of(d)
            self.assertIsNotNone(role, "%s sets no HOTPATH_ROLE (it would run as `single`)" % name)
            self.assertIn("HOTPATH_ROLE", self.known_env, "the binary no longer reads HOTPATH_ROLE")
            self.assertEqual(self.known_env["HOTPATH_ROLE"], "server.role")
            self.assertNotIn(role, by_role, "two Deployments run role %s" % role)
            by_role[role] = d
            values, _ = self.effective_config(d)
            self.assertEqual(values["server.role"], role, name)
            self.assertEqual(d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"], role, name)
        self.assertEqual(set(by_role), ROLES, "deploy/k8s needs exactly one Deployment per role")
        # The check itself: the binary refuses an unknown variable and an unknown role, so a
        # misspelt one in a manifest fails above instead of silently running `single`.
        self.assertNotEqual(config_show({"HOTPATH_SERVER_ROLE": "api"}).returncode, 0)
        self.assertNotEqual(config_show({"HOTPATH_ROLE": "dispatcher"}).returncode, 0)

    def test_the_primary_is_a_singleton(self):
        primary = [d for d in self.deployments if role_of(d) == "primary"]
        self.assertEqual(len(primary), 1)
        spec = primary[0]["spec"]
        self.assertEqual(spec["replicas"], 1, "one primary")
        self.assertEqual(spec["strategy"], {"type": "Recreate"}, "a rollout must stop the old primary first")
        name = primary[0]["metadata"]["name"]
        labels = spec["template"]["metadata"]["labels"]
        for hpa in objects(self.docs, "HorizontalPodAutoscaler"):
            target = [d for d in self.deployments if d["metadata"]["name"] == hpa["spec"]["scaleTargetRef"]["name"]]
            self.assertEqual(len(target), 1)
            self.assertEqual(role_of(target[0]), "api", "only the api role autoscales (%s)" % hpa["metadata"]["name"])
        pdbs = [p for p in objects(self.docs, "PodDisruptionBudget")
                if all(labels.get(k) == v for k, v in p["spec"]["selector"]["matchLabels"].items())]
        self.assertEqual(len(pdbs), 1, "one PodDisruptionBudget for %s" % name)
        budget = pdbs[0]["spec"]
        # An eviction is replaced at once, while the evicted primary still drains: refuse them.
        self.assertTrue(budget.get("maxUnavailable") == 0 or budget.get("minAvailable") == 1, budget)
        self.assertNotEqual(budget.get("unhealthyPodEvictionPolicy"), "AlwaysAllow")
        # Rollouts of the api role never stop serving.
        for d in self.deployments:
            if role_of(d) == "api":
                self.assertEqual(d["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"], 0)

    def test_a_service_account_per_role(self):
        accounts = [d["spec"]["template"]["spec"]["serviceAccountName"] for d in self.deployments]
        self.assertEqual(len(set(accounts)), len(accounts), "roles share a ServiceAccount")
        for a in objects(self.docs, "ServiceAccount"):
            self.assertFalse(a.get("automountServiceAccountToken", True), a["metadata"]["name"])
            arn = a["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
            component = a["metadata"]["labels"]["app.kubernetes.io/component"]
            self.assertTrue(arn.endswith("-" + component), "%s: IAM role of another role" % arn)

    def test_the_edge_routes_like_the_cluster(self):
        """The Ingress sends the primary what HAProxy sends it in `hotpath cluster` (state in the
        primary's memory), and everything else to the api role. Checked for every documented path."""
        role_of_service = {}
        for s in objects(self.docs, "Service"):
            for d in self.deployments:
                labels = d["spec"]["template"]["metadata"]["labels"]
                if all(labels.get(k) == v for k, v in s["spec"]["selector"].items()):
                    role_of_service[s["metadata"]["name"]] = role_of(d)
        prefixes, ws = haproxy_primary_routes()
        server = h.Server().start()
        try:
            paths = list(server.client().get("/v1/openapi.json").json["paths"])
        finally:
            server.cleanup()
        self.assertIn(ws, paths)
        for ing in objects(self.docs, "Ingress"):
            for path in paths:
                concrete = re.sub(r"\{[^}]+\}", "x", path)
                to_primary = path == ws or any(concrete.startswith(p) for p in prefixes)
                service = ingress_backend(ing, concrete)
                self.assertIsNotNone(service, "the Ingress does not route %s" % path)
                want = "primary" if to_primary else "api"
                self.assertEqual(role_of_service.get(service), want,
                                 "Ingress sends %s to %s; `hotpath cluster` sends it to the %s" % (path, service, want))

    def test_every_secret_key_is_used(self):
        used = set()
        for d in self.deployments:
            for item in self.container(d).get("env", []):
                ref = item.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    used.add(ref["key"])
        self.assertEqual(set(self.secret["stringData"]), used, "Secret template keys vs. references")

    def test_ports_and_probes_match_the_listen_address(self):
        services = objects(self.docs, "Service")
        for d in self.deployments:
            values, _ = self.effective_config(d)
            listen_port = int(values["server.listen"].rsplit(":", 1)[1])
            host = values["server.listen"].rsplit(":", 1)[0]
            self.assertEqual(host, "0.0.0.0", "pods must listen on every interface")
            c = self.container(d)
            self.assertEqual(self.port_of(c, "http"), listen_port, "containerPort http vs server.listen")
            probes = {k: c.get(k) for k in ("readinessProbe", "livenessProbe", "startupProbe")}
            self.assertEqual(probes["readinessProbe"]["httpGet"]["path"], "/readyz")
            self.assertEqual(probes["livenessProbe"]["httpGet"]["path"], "/healthz")
            for kind, probe in probes.items():
                if probe:
                    self.assertEqual(self.port_of(c, probe["httpGet"]["port"]), listen_port, kind)
            ann = d["spec"]["template"]["metadata"].get("annotations", {})
            if "prometheus.io/port" in ann:
                self.assertEqual(int(ann["prometheus.io/port"]), listen_port)
                self.assertEqual(ann["prometheus.io/path"], "/metrics")
            labels = d["spec"]["template"]["metadata"]["labels"]
            mine = [s for s in services if all(labels.get(k) == v for k, v in s["spec"]["selector"].items())]
            self.assertTrue(mine, "no Service selects %s" % d["metadata"]["name"])
            for s in mine:
                for p in s["spec"]["ports"]:
                    self.assertEqual(self.port_of(c, p["targetPort"]), listen_port, s["metadata"]["name"])

    def test_image_defaults_match(self):
        env, stage = dockerfile_env()
        for name in env:
            if name.startswith("HOTPATH_"):
                self.assertIn(name, self.known_env, "Dockerfile ENV %s is not a hotpath variable" % name)
        out = config_show({k: v for k, v in env.items() if k.startswith("HOTPATH_")})
        self.assertEqual(out.returncode, 0, out.stderr)
        values = parse_show(out.stdout)
        port = values["server.listen"].rsplit(":", 1)[1]
        self.assertRegex(stage, r"\nEXPOSE %s\n" % port)
        self.assertRegex(stage, r'\nVOLUME \["%s"\]' % re.escape(values["storage.data_dir"]))
        self.assertRegex(stage, r"HEALTHCHECK .*/healthz")
        self.assertRegex(stage, r'\nENTRYPOINT \["/usr/local/bin/hotpath", "serve"\]')
        user = re.search(r"\nUSER (\S+)", stage)
        self.assertIsNotNone(user, "the runtime stage must switch to a non-root user")
        self.assertNotIn(user.group(1).split(":")[0], ("root", "0"))
        for d in self.deployments:
            sc = d["spec"]["template"]["spec"]["securityContext"]
            self.assertEqual(str(sc["runAsUser"]), user.group(1).split(":")[0], "runAsUser vs. image USER")
            self.assertEqual(self.container(d)["image"].split(":")[0], "hotpath")

    def test_image_build_inputs(self):
        """What the Dockerfile copies exists and is not excluded by .dockerignore, and the runtime
        package list it computes from the binary resolves on this Debian system."""
        with open(DOCKERFILE, encoding="utf-8") as f:
            text = f.read()
        with open(os.path.join(REPO, ".dockerignore"), encoding="utf-8") as f:
            ignored = [l.strip() for l in f if l.strip() and not l.startswith("#")]
        for src in re.findall(r"^COPY (?!--from)(\S+) ", text, re.M):
            if src == ".":
                continue
            self.assertTrue(os.path.exists(os.path.join(REPO, src)), "COPY %s: no such file" % src)
            self.assertNotIn(src.split("/")[0], ignored, "COPY %s is excluded by .dockerignore" % src)
        for needed in ("src", "CMakeLists.txt", "CMakePresets.json", "cmake", "scripts", "deploy"):
            self.assertNotIn(needed, ignored, ".dockerignore drops %s, which the build needs" % needed)
        self.assertIn("cmake --preset release", text)
        self.assertRegex(text, r"FROM debian:\$\{DEBIAN_RELEASE\} AS build")
        self.assertRegex(text, r"ARG DEBIAN_RELEASE=bookworm")
        out = subprocess.run([os.path.join(REPO, "deploy", "docker", "runtime-packages.sh"), h.BIN],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        packages = out.stdout.split()
        self.assertIn("libc6", packages)
        self.assertIn("libstdc++6", packages)
        for p in packages:
            self.assertRegex(p, r"^[a-z0-9][a-z0-9.+-]+$", "not a package name: %r" % p)

    def test_data_dir_is_a_writable_volume(self):
        for d in self.deployments:
            values, _ = self.effective_config(d)
            mounts = {m["mountPath"]: m for m in self.container(d).get("volumeMounts", [])}
            self.assertIn(values["storage.data_dir"], mounts, "data_dir is not a volume mount")
            self.assertFalse(mounts[values["storage.data_dir"]].get("readOnly", False))

    def test_uploads_fit_the_body_limit(self):
        for d in self.deployments:
            values, _ = self.effective_config(d)
            if "assets.max_image_bytes" in values:
                self.assertGreaterEqual(int(values["server.max_body_bytes"]), int(values["assets.max_image_bytes"]),
                                        "server.max_body_bytes would refuse images assets.max_image_bytes allows")

    def test_termination_grace_covers_the_drain(self):
        for d in self.deployments:
            values, _ = self.effective_config(d)
            grace_ms = int(values["server.shutdown_grace_ms"])
            spec = d["spec"]["template"]["spec"]
            pre_stop = self.container(d)["lifecycle"]["preStop"]["exec"]["command"]
            self.assertEqual(pre_stop[0], "sleep")
            pause_s = int(pre_stop[1])
            self.assertGreater(pause_s, 0)
            needed = pause_s + grace_ms / 1000 + STREAM_CLOSE_S
            self.assertGreaterEqual(spec["terminationGracePeriodSeconds"], needed,
                                    "terminationGracePeriodSeconds must cover preStop + shutdown_grace_ms")
            # The ALB keeps a deregistering target this long; the process must drain within it.
            for ing in objects(self.docs, "Ingress"):
                attrs = ing["metadata"]["annotations"]["alb.ingress.kubernetes.io/target-group-attributes"]
                delay = int(re.search(r"deregistration_delay\.timeout_seconds=(\d+)", attrs).group(1))
                self.assertGreaterEqual(delay, grace_ms / 1000, "deregistration delay vs. shutdown_grace_ms")

    def test_selectors_match_the_pods(self):
        pods = {d["metadata"]["name"]: d["spec"]["template"]["metadata"]["labels"] for d in self.deployments}

        def selects(selector, labels):
            return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())

        for d in self.deployments:
            self.assertTrue(selects(d["spec"]["selector"], pods[d["metadata"]["name"]]))
        for pdb in objects(self.docs, "PodDisruptionBudget"):
            self.assertTrue(any(selects(pdb["spec"]["selector"], l) for l in pods.values()), pdb["metadata"]["name"])
        for hpa in objects(self.docs, "HorizontalPodAutoscaler"):
            ref = hpa["spec"]["scaleTargetRef"]
            self.assertEqual(ref["kind"], "Deployment")
            self.assertIn(ref["name"], pods)
        for pol in objects(self.docs, "NetworkPolicy"):
            sel = pol["spec"]["podSelector"]
            if sel:
                self.assertTrue(any(selects(sel, l) for l in pods.values()), pol["metadata"]["name"])
        service_names = {s["metadata"]["name"] for s in objects(self.docs, "Service")}
        for ing in objects(self.docs, "Ingress"):
            for rule in ing["spec"]["rules"]:
                for p in rule["http"]["paths"]:
                    self.assertIn(p["backend"]["service"]["name"], service_names)
        accounts = {a["metadata"]["name"] for a in objects(self.docs, "ServiceAccount")}
        for d in self.deployments:
            self.assertIn(d["spec"]["template"]["spec"]["serviceAccountName"], accounts)

    def test_only_the_edge_is_public(self):
        # Every role's pods have a policy of their own that admits only the edge and Prometheus.
        policies = [p for p in objects(self.docs, "NetworkPolicy") if p["spec"]["podSelector"]]
        for d in self.deployments:
            labels = d["spec"]["template"]["metadata"]["labels"]
            mine = [p for p in policies
                    if all(labels.get(k) == v for k, v in p["spec"]["podSelector"]["matchLabels"].items())]
            self.assertEqual(len(mine), 1, "%s: one NetworkPolicy of its own" % d["metadata"]["name"])
            for rule in mine[0]["spec"]["ingress"]:
                for peer in rule["from"]:
                    self.assertNotIn("podSelector", peer, "no pod calls another role: %s" % peer)
                    if "namespaceSelector" in peer:
                        self.assertIn(peer["namespaceSelector"]["matchLabels"],
                                      [{"hotpath.dev/edge": "true"}, {"kubernetes.io/metadata.name": "monitoring"}])
        for s in objects(self.docs, "Service"):
            self.assertEqual(s["spec"].get("type", "ClusterIP"), "ClusterIP", s["metadata"]["name"])
        deny = [p for p in objects(self.docs, "NetworkPolicy") if p["spec"]["podSelector"] == {}]
        self.assertTrue(deny, "no default-deny NetworkPolicy")
        self.assertEqual(set(deny[0]["spec"]["policyTypes"]), {"Ingress", "Egress"})
        self.assertNotIn("ingress", deny[0]["spec"])
        # The ALB's addresses are the public subnets of deploy/aws; the data stores the VPC.
        public = set(terraform_default("public_subnet_cidrs"))
        vpc = terraform_default("vpc_cidr")
        for pol in objects(self.docs, "NetworkPolicy"):
            for rule in pol["spec"].get("ingress", []):
                for peer in rule.get("from", []):
                    if "ipBlock" in peer:
                        self.assertIn(peer["ipBlock"]["cidr"], public, "ingress only from the ALB subnets")
            for rule in pol["spec"].get("egress", []):
                for peer in rule.get("to", []):
                    cidr = peer.get("ipBlock", {}).get("cidr")
                    if cidr and cidr != "0.0.0.0/0":
                        self.assertEqual(cidr, vpc)
                    if cidr == "0.0.0.0/0":
                        self.assertEqual([p["port"] for p in rule["ports"]], [443], "open egress is HTTPS only")

    def test_terraform_matches_the_manifests(self):
        """deploy/aws runs the same image with the same port and drain time as deploy/k8s."""
        with open(os.path.join(AWS, "bootstrap.sh"), encoding="utf-8") as f:
            bootstrap = f.read()
        written = set(re.findall(r'echo "(HOTPATH_\w+)=', bootstrap))
        self.assertTrue(written, "bootstrap.sh writes no HOTPATH_ variable")
        for name in written:
            self.assertIn(name, self.known_env, "bootstrap.sh sets %s, which the binary refuses" % name)
        for d in self.deployments:
            values, _ = self.effective_config(d)
            self.assertEqual(terraform_default("shutdown_grace_s") * 1000, int(values["server.shutdown_grace_ms"]),
                             "deploy/aws shutdown_grace_s vs. the ConfigMap's shutdown_grace_ms")
            self.assertEqual(terraform_default("http_port"), int(values["server.listen"].rsplit(":", 1)[1]))
        tf = terraform_text()
        m = re.search(r"deregistration_delay\s*=\s*var\.shutdown_grace_s \+ (\d+)", tf)
        self.assertIsNotNone(m, "the target group's deregistration delay must cover shutdown_grace_s")
        roles_args = re.findall(r'args\s*=\s*(\[[^\]]*\])', tf)
        self.assertTrue(roles_args)
        for args in roles_args:
            self.assertIn(json.loads(args)[0], ("serve",), "a role runs a subcommand the binary lacks")

    def test_terraform_roles_match_the_binary(self):
        """deploy/aws's var.roles runs the same roles as the Deployments: each role's `serve` flags
        are accepted by the binary and name its server.role; the primary is one instance."""
        with open(os.path.join(AWS, "variables.tf"), encoding="utf-8") as f:
            text = f.read()
        block = re.search(r'variable "roles" \{(.*?)\n\}', text, re.S).group(1)
        default = block[block.index("default"):]
        roles = {}
        for name, body in re.findall(r"\n    (\w+) = \{(.*?)\n    \}", default, re.S):
            fields = dict(re.findall(r"^\s*(\w+)\s*=\s*(.+)$", body, re.M))
            roles[name] = {k: json.loads(v) for k, v in fields.items() if k != "instance_type"}
        self.assertTrue(roles, "no roles in the default of var.roles")
        seen = set()
        for name, role in roles.items():
            args = role["args"]
            self.assertEqual(args[0], "serve", name)
            out = config_show({}) if len(args) == 1 else subprocess.run(
                [h.BIN, "config", "show"] + args[1:], capture_output=True, text=True, timeout=30, env=h.CHILD_ENV)
            self.assertEqual(out.returncode, 0, "var.roles.%s: the binary refuses %s: %s" % (name, args[1:], out.stderr))
            role = parse_show(out.stdout)["server.role"]
            self.assertEqual(role, name, "var.roles.%s runs server.role %s" % (name, role))
            seen.add(role)
        self.assertEqual(seen, ROLES, "deploy/aws runs the same roles as deploy/k8s")
        self.assertEqual((roles["primary"]["min"], roles["primary"]["max"], roles["primary"]["desired"]), (1, 1, 1))
        # Its routes at the ALB are the Ingress's (and so HAProxy's).
        tf = terraform_text()
        alb_paths = set()
        for values in re.findall(r"\d+ = (\[[^\]]*\])", re.search(r"primary_paths = \{(.*?)\}", tf, re.S).group(1)):
            alb_paths |= set(json.loads(values))
        ingress_paths = set()
        for ing in objects(self.docs, "Ingress"):
            for rule in ing["spec"]["rules"]:
                for p in rule["http"]["paths"]:
                    if p["backend"]["service"]["name"] == "hotpath-primary":
                        ingress_paths.add(p["path"])
                        if p["pathType"] == "Prefix":
                            ingress_paths.add(p["path"] + "/*")
        self.assertEqual(alb_paths, ingress_paths, "the ALB's primary routes vs. the Ingress's")


class AgainstTheRunningServer(unittest.TestCase):
    """Probe paths, routes and metric names the deploy files use, asked of a live server."""

    @classmethod
    def setUpClass(cls):
        cls.server = h.Server().start()
        cls.c = cls.server.client()
        # Histogram and counter families are printed once they have a sample.
        assert cls.c.get("/healthz").status == 200
        cls.openapi = cls.c.get("/v1/openapi.json").json
        cls.metrics = cls.c.get("/metrics").text
        cls.docs = load_manifests()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def family(self, series):
        """A series name as the adapter or CloudWatch names it -> its metric family in /metrics."""
        for suffix in ("_bucket", "_sum", "_count"):
            if series.endswith(suffix) and re.search(r"# TYPE %s histogram" % series[:-len(suffix)], self.metrics):
                return series[:-len(suffix)]
        return series

    def exported(self, family):
        return re.search(r"^# TYPE %s " % re.escape(family), self.metrics, re.M) is not None

    def test_probe_paths_are_served_and_documented(self):
        paths = set(self.openapi["paths"])
        for d in objects(self.docs, "Deployment"):
            c = d["spec"]["template"]["spec"]["containers"][0]
            for kind in ("readinessProbe", "livenessProbe", "startupProbe"):
                if kind in c:
                    path = c[kind]["httpGet"]["path"]
                    self.assertIn(path, paths, "%s path %s is not in /v1/openapi.json" % (kind, path))
                    self.assertEqual(self.c.get(path).status, 200, path)
        for ing in objects(self.docs, "Ingress"):
            path = ing["metadata"]["annotations"]["alb.ingress.kubernetes.io/healthcheck-path"]
            self.assertEqual(path, "/readyz", "the load balancer routes on readiness")
        self.assertIn("/metrics", paths)

    def test_autoscaler_metrics_exist(self):
        rules = yaml.safe_load(self.docs["prometheus-adapter-rules.yaml"][0]["data"]["config.yaml"])["rules"]
        produced = set()
        for rule in rules:
            series = re.match(r"'?(\w+)\{", rule["seriesQuery"]).group(1)
            family = self.family(series)
            self.assertTrue(self.exported(family), "adapter rule on %s: not in /metrics" % series)
            produced.add(rule["name"]["as"])
            # Routes excluded by label must be real route templates.
            for excluded in re.findall(r'route!~"([^"]+)"', rule["metricsQuery"]):
                for route in excluded.replace("\\\\", "").split("|"):
                    self.assertIn(route, self.openapi["paths"], "excluded route %s" % route)
        for hpa in objects(self.docs, "HorizontalPodAutoscaler"):
            for m in hpa["spec"]["metrics"]:
                if m["type"] == "Pods":
                    self.assertIn(m["pods"]["metric"]["name"], produced, "HPA metric without an adapter rule")

    def test_terraform_health_checks_and_alarm_metrics(self):
        tf = terraform_text()
        self.assertRegex(tf, r'health_check \{[^}]*\bpath\s*=\s*"/readyz"', "ALB target group health check on /readyz")
        mirrored = set(re.findall(r'#\s*hotpath metric:\s*(\w+)', tf))
        mirrored |= set(re.findall(r'metric_name\s*=\s*"(hotpath_\w+)"', tf))
        self.assertTrue(mirrored)
        for metric in sorted(mirrored):
            self.assertTrue(self.exported(self.family(metric)),
                            "CloudWatch alarm mirrors %s, which /metrics does not export" % metric)


if __name__ == "__main__":
    unittest.main(verbosity=2)
