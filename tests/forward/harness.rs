//! The forwarding tests' server harness: free ports, servers started as child
//! processes on 127.0.0.1 and stopped by a guard (also when a test fails),
//! bounded waits, test certificates, events with hostile strings, and the
//! SKIPPED rule (a missing server passes with a `SKIPPED:` line, except under
//! `CI=true`, where it fails).

#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use audit_logger::core::{AuditLogger, Event, NewEvent, Severity};

/// Prints `SKIPPED: reason` and returns true, or panics under `CI=true`.
pub fn skip(reason: &str) -> bool {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true and a required server is missing: {reason}");
    }
    println!("SKIPPED: {reason}");
    true
}

/// The path of `name` on PATH or in the usual sbin folders.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .map(PathBuf::from)
        .chain(["/usr/sbin", "/sbin", "/usr/local/sbin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A port that was free on 127.0.0.1 a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `ready` every 20 ms until it holds or `timeout` passes.
pub fn wait_until(timeout: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if ready() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether 127.0.0.1:`port` accepts connections.
pub fn port_open(port: u16) -> bool {
    TcpStream::connect_timeout(
        &format!("127.0.0.1:{port}").parse().unwrap(),
        Duration::from_millis(200),
    )
    .is_ok()
}

/// The cache of built servers: `$AUDIT_SERVER_CACHE`, or `~/.cache/audit-logger/servers`.
pub fn server_cache() -> PathBuf {
    match std::env::var_os("AUDIT_SERVER_CACHE") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into()))
            .join(".cache/audit-logger/servers"),
    }
}

/// A child process stopped (SIGTERM, then SIGKILL after 10 s) when dropped.
pub struct Server {
    pub name: String,
    child: Option<Child>,
    pub log: PathBuf,
}

impl Server {
    /// Starts `cmd` with stdout and stderr to `log`.
    pub fn spawn(name: &str, mut cmd: Command, log: &Path) -> Server {
        let out = std::fs::File::create(log).unwrap();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        Server {
            name: name.into(),
            child: Some(child),
            log: log.into(),
        }
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    /// Whether it is still running.
    pub fn running(&mut self) -> bool {
        match &mut self.child {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// SIGTERM, wait up to 10 s, then SIGKILL.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // SAFETY: signalling our own child by pid.
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// SIGKILL at once.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The server's own log, for failure messages.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A test CA and a server certificate for 127.0.0.1 and localhost, as PEM files in `dir`.
pub struct TestPki {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
}

pub fn make_pki(dir: &Path, prefix: &str) -> TestPki {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, format!("{prefix} test CA"));
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf = |names: Vec<String>, cn: &str| {
        let mut params = CertificateParams::new(names).unwrap();
        params.distinguished_name.push(DnType::CommonName, cn);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &ca).unwrap();
        (cert.pem(), key.serialize_pem())
    };
    let (cert, key) = leaf(vec!["127.0.0.1".into(), "localhost".into()], "localhost");
    let (client_cert, client_key) = leaf(vec!["client.test".into()], "client.test");
    let write = |name: &str, text: &str| {
        let p = dir.join(format!("{prefix}-{name}"));
        std::fs::write(&p, text).unwrap();
        p
    };
    TestPki {
        ca: write("ca.pem", &ca.pem()),
        cert: write("cert.pem", &cert),
        key: write("key.pem", &key),
        client_cert: write("client-cert.pem", &client_cert),
        client_key: write("client-key.pem", &client_key),
    }
}

/// Strings that must arrive intact in every format.
pub const HOSTILE: [&str; 8] = [
    "line\nbreak",
    "carriage\r\nreturn",
    "close]bracket",
    "quote\"d",
    "back\\slash",
    "sep\u{2028}arator",
    "é ünïcødé 🙂",
    "",
];

/// A logger holding `n` events; every 7th carries hostile strings in each field.
pub fn logged_events(n: usize) -> (AuditLogger, Vec<Event>) {
    let log = AuditLogger::new(n.max(1)).unwrap();
    for i in 0..n {
        let h = HOSTILE[i % HOSTILE.len()];
        let hostile = i % 7 == 3;
        let actor = if hostile {
            format!("user{i}{h}")
        } else {
            format!("user{i}")
        };
        let resource = if hostile {
            format!("doc:{i}]\"\\")
        } else {
            format!("doc:{i}")
        };
        let details = format!(
            "{{\"i\":{i},\"note\":{}}}",
            serde_json::to_string(if hostile { h } else { "plain" }).unwrap()
        );
        log.log(&NewEvent {
            actor: &actor,
            action: if hostile {
                "weird.action]\n"
            } else {
                "doc.update"
            },
            resource: &resource,
            outcome: if i % 3 == 0 { "denied" } else { "success" },
            severity: Severity::ALL[i % 4],
            details: Some(&details),
        })
        .unwrap();
    }
    let events = log.recent(n);
    (log, events)
}

/// A [`Replay`](audit_logger::forward::Replay) over a logger: the journal stub.
pub struct LoggerReplay(pub AuditLogger);

impl audit_logger::forward::Replay for LoggerReplay {
    fn read_after(
        &self,
        after: u64,
        max: usize,
    ) -> audit_logger::core::Result<Vec<audit_logger::forward::Item>> {
        Ok((after + 1..)
            .take(max)
            .map_while(|seq| self.0.get(seq))
            .map(audit_logger::forward::Item::new)
            .collect())
    }
}

// ---------------------------------------------------------------- rsyslog

/// An unprivileged rsyslogd on 127.0.0.1: imptcp (plain) and imtcp with gtls,
/// mmpstrucdata, every message written as one JSON line to `out`.
pub struct Rsyslog {
    pub dir: PathBuf,
    pub tcp_port: u16,
    pub tls_port: u16,
    pub out: PathBuf,
    pub pki: TestPki,
    conf: PathBuf,
    server: Option<Server>,
    starts: usize,
}

impl Rsyslog {
    /// None (after `skip`) when rsyslogd or its gtls driver is not installed.
    /// `tls_auth`: rsyslog's `StreamDriver.AuthMode` for the TLS input (`anon`,
    /// or `x509/name` to require a client certificate named `client.test`).
    pub fn start(dir: &Path, tls_auth: &str) -> Option<Rsyslog> {
        let Some(bin) = which("rsyslogd") else {
            skip("rsyslogd is not installed (apt-get install rsyslog rsyslog-gnutls)");
            return None;
        };
        let _ = bin;
        if !Path::new("/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so").exists()
            && !Path::new("/usr/lib/rsyslog/lmnsd_gtls.so").exists()
        {
            skip("rsyslog's gtls driver is not installed (apt-get install rsyslog-gnutls)");
            return None;
        }
        let pki = make_pki(dir, "rsyslog");
        std::fs::create_dir_all(dir.join("work")).unwrap();
        let out = dir.join("out.jsonl");
        let tcp_port = free_port();
        let tls_port = free_port();
        let peer = if tls_auth == "anon" {
            String::new()
        } else {
            "PermittedPeer=[\"client.test\"]".into()
        };
        let conf = dir.join("rsyslog.conf");
        let d = dir.display();
        std::fs::write(
            &conf,
            format!(
                r#"global(workDirectory="{d}/work"
       maxMessageSize="64k"
       parser.escapeControlCharactersOnReceive="off"
       DefaultNetstreamDriverCAFile="{ca}"
       DefaultNetstreamDriverCertFile="{cert}"
       DefaultNetstreamDriverKeyFile="{key}")
module(load="imptcp")
input(type="imptcp" port="{tcp_port}" address="127.0.0.1")
module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="{tls_auth}")
input(type="imtcp" port="{tls_port}" address="127.0.0.1" {peer})
module(load="mmpstrucdata")
template(name="j" type="string"
         string="{{\"raw\":\"%rawmsg:::json%\",\"sd\":%$!rfc5424-sd%,\"msg\":\"%msg:::json%\",\"pri\":\"%pri%\",\"ts\":\"%timereported:::date-rfc3339%\",\"host\":\"%hostname%\",\"app\":\"%app-name%\",\"procid\":\"%procid%\",\"msgid\":\"%msgid%\"}}\n")
action(type="mmpstrucdata")
*.* action(type="omfile" file="{out}" template="j")
"#,
                ca = pki.ca.display(),
                cert = pki.cert.display(),
                key = pki.key.display(),
                out = out.display(),
            ),
        )
        .unwrap();
        let mut r = Rsyslog {
            dir: dir.into(),
            tcp_port,
            tls_port,
            out,
            pki,
            conf,
            server: None,
            starts: 0,
        };
        r.restart();
        Some(r)
    }

    /// (Re)starts rsyslogd on the same ports and output file; waits until both ports accept.
    pub fn restart(&mut self) {
        self.stop();
        self.starts += 1;
        let mut cmd = Command::new(which("rsyslogd").unwrap());
        cmd.arg("-n")
            .arg("-f")
            .arg(&self.conf)
            .arg("-i")
            .arg(self.dir.join("rsyslog.pid"));
        let log = self.dir.join(format!("rsyslogd-{}.log", self.starts));
        let mut server = Server::spawn("rsyslogd", cmd, &log);
        let (a, b) = (self.tcp_port, self.tls_port);
        let ready = wait_until(Duration::from_secs(15), || {
            port_open(a) && port_open(b) || !server.running()
        });
        assert!(
            ready && server.running(),
            "rsyslogd did not start: {}",
            server.log_text()
        );
        self.server = Some(server);
    }

    /// SIGTERM and wait (rsyslog writes what it has received before it exits).
    pub fn stop(&mut self) {
        if let Some(mut s) = self.server.take() {
            s.stop();
        }
    }

    /// The records written so far (complete lines only).
    pub fn records(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(&self.out).unwrap_or_default();
        text.lines()
            .filter(|l| !l.is_empty())
            .map(|l| {
                serde_json::from_str(l).unwrap_or_else(|e| panic!("rsyslog output line {l:?}: {e}"))
            })
            .collect()
    }

    /// rsyslogd's own messages from every start.
    pub fn logs(&self) -> String {
        (1..=self.starts)
            .map(|i| {
                std::fs::read_to_string(self.dir.join(format!("rsyslogd-{i}.log")))
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

// ---------------------------------------------------------------- OpenTelemetry Collector

/// The collector built by scripts/servers/otelcol.sh (or `$AUDIT_OTELCOL`).
pub fn otelcol_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("AUDIT_OTELCOL") {
        return Some(PathBuf::from(p));
    }
    let p = server_cache().join("otelcol-0.161.0/otelcol-audit");
    p.is_file().then_some(p)
}

/// A collector with the OTLP/HTTP receiver on 127.0.0.1 and the file exporter
/// (JSON, appending, so restarts keep what was written). No batch processor:
/// the receiver answers after the file exporter has the records.
pub struct Otelcol {
    pub dir: PathBuf,
    pub port: u16,
    pub out: PathBuf,
    conf: PathBuf,
    bin: PathBuf,
    server: Option<Server>,
    starts: usize,
}

impl Otelcol {
    pub fn start(dir: &Path) -> Option<Otelcol> {
        let Some(bin) = otelcol_binary() else {
            skip("no OpenTelemetry Collector built (run scripts/servers/otelcol.sh)");
            return None;
        };
        let port = free_port();
        let out = dir.join("logs.jsonl");
        let conf = dir.join("collector.yaml");
        std::fs::write(
            &conf,
            format!(
                "receivers:\n  otlp:\n    protocols:\n      http: {{ endpoint: 127.0.0.1:{port} }}\n\
                 exporters:\n  file: {{ path: {out}, format: json, append: true, flush_interval: 50ms }}\n\
                 service:\n  telemetry: {{ metrics: {{ level: none }} }}\n  pipelines:\n    logs: {{ receivers: [otlp], exporters: [file] }}\n",
                out = out.display()
            ),
        )
        .unwrap();
        let mut c = Otelcol {
            dir: dir.into(),
            port,
            out,
            conf,
            bin,
            server: None,
            starts: 0,
        };
        c.restart();
        Some(c)
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/v1/logs", self.port)
    }

    pub fn restart(&mut self) {
        self.stop();
        self.starts += 1;
        let mut cmd = Command::new(&self.bin);
        cmd.arg(format!("--config={}", self.conf.display()));
        let log = self.dir.join(format!("collector-{}.log", self.starts));
        let mut server = Server::spawn("otelcol", cmd, &log);
        let port = self.port;
        let ready = wait_until(Duration::from_secs(20), || {
            port_open(port) || !server.running()
        });
        assert!(
            ready && server.running(),
            "the collector did not start: {}",
            server.log_text()
        );
        self.server = Some(server);
    }

    pub fn stop(&mut self) {
        if let Some(mut s) = self.server.take() {
            s.stop();
        }
    }

    /// Every log record written so far (the file has one line per export).
    pub fn records(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(&self.out).unwrap_or_default();
        let mut out = Vec::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                continue; // a line being written
            };
            for rl in v["resourceLogs"].as_array().into_iter().flatten() {
                for sl in rl["scopeLogs"].as_array().into_iter().flatten() {
                    for r in sl["logRecords"].as_array().into_iter().flatten() {
                        let mut r = r.clone();
                        r["resource"] = rl["resource"].clone();
                        r["scope"] = sl["scope"].clone();
                        out.push(r);
                    }
                }
            }
        }
        out
    }
}

/// The attributes of an OTLP/JSON record as a map of key to value object.
pub fn otlp_attributes(
    record: &serde_json::Value,
) -> std::collections::BTreeMap<String, serde_json::Value> {
    record["attributes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| (a["key"].as_str().unwrap().to_owned(), a["value"].clone()))
        .collect()
}

// ---------------------------------------------------------------- Kafka

/// The classpath folder made by scripts/servers/kafka.sh (or `$AUDIT_KAFKA_LIBS`).
pub fn kafka_libs() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("AUDIT_KAFKA_LIBS") {
        return Some(PathBuf::from(p));
    }
    let p = server_cache().join("kafka-4.1.1/libs");
    p.join(".complete").is_file().then_some(p)
}

/// A single-node KRaft broker (broker and controller in one JVM) on 127.0.0.1.
pub struct Kafka {
    pub dir: PathBuf,
    pub port: u16,
    classpath: String,
    conf: PathBuf,
    server: Option<Server>,
    starts: usize,
}

impl Kafka {
    pub fn start(dir: &Path) -> Option<Kafka> {
        let Some(libs) = kafka_libs() else {
            skip("no Kafka jars (run scripts/servers/kafka.sh)");
            return None;
        };
        if which("java").is_none() {
            skip("java is not installed");
            return None;
        }
        let port = free_port();
        let controller = free_port();
        let d = dir.display();
        let conf = dir.join("server.properties");
        std::fs::write(
            &conf,
            format!(
                "process.roles=broker,controller\nnode.id=1\n\
                 controller.quorum.voters=1@127.0.0.1:{controller}\n\
                 listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}\n\
                 advertised.listeners=PLAINTEXT://127.0.0.1:{port}\n\
                 inter.broker.listener.name=PLAINTEXT\ncontroller.listener.names=CONTROLLER\n\
                 listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT\n\
                 log.dirs={d}/data\nnum.partitions=1\noffsets.topic.replication.factor=1\n\
                 transaction.state.log.replication.factor=1\ntransaction.state.log.min.isr=1\n\
                 share.coordinator.state.topic.replication.factor=1\nshare.coordinator.state.topic.min.isr=1\n\
                 group.initial.rebalance.delay.ms=0\nauto.create.topics.enable=false\n"
            ),
        )
        .unwrap();
        std::fs::write(
            dir.join("log4j2.properties"),
            "status = warn\nappender.console.type = Console\nappender.console.name = STDOUT\n\
             appender.console.layout.type = PatternLayout\nappender.console.layout.pattern = [%d] %p %m (%c)%n\n\
             rootLogger.level = INFO\nrootLogger.appenderRef.stdout.ref = STDOUT\n",
        )
        .unwrap();
        let classpath = format!("{}/*", libs.display());
        // A cluster id: 16 random bytes, base64url without padding (Kafka's Uuid text form).
        let id = {
            const A: &[u8; 64] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let bytes = audit_logger::forward::LogId::random().0;
            let mut bits = 0u32;
            let mut n = 0;
            let mut s = String::new();
            for b in bytes {
                bits = (bits << 8) | u32::from(b);
                n += 8;
                while n >= 6 {
                    n -= 6;
                    s.push(A[((bits >> n) & 63) as usize] as char);
                }
            }
            s.push(A[((bits << (6 - n)) & 63) as usize] as char);
            s
        };
        let format = Command::new("java")
            .arg(format!(
                "-Dlog4j2.configurationFile={}/log4j2.properties",
                dir.display()
            ))
            .args([
                "-cp",
                &classpath,
                "kafka.tools.StorageTool",
                "format",
                "-t",
                &id,
                "-c",
            ])
            .arg(&conf)
            .output()
            .unwrap();
        assert!(
            format.status.success(),
            "kafka storage format: {}{}",
            String::from_utf8_lossy(&format.stdout),
            String::from_utf8_lossy(&format.stderr)
        );
        let mut k = Kafka {
            dir: dir.into(),
            port,
            classpath,
            conf,
            server: None,
            starts: 0,
        };
        k.restart();
        Some(k)
    }

    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn restart(&mut self) {
        self.stop();
        self.starts += 1;
        let mut cmd = Command::new("java");
        cmd.args(["-Xms256m", "-Xmx512m", "-XX:+UseG1GC"])
            .arg(format!(
                "-Dlog4j2.configurationFile={}/log4j2.properties",
                self.dir.display()
            ))
            .args(["-cp", &self.classpath, "kafka.Kafka"])
            .arg(&self.conf);
        let log = self.dir.join(format!("broker-{}.log", self.starts));
        let mut server = Server::spawn("kafka", cmd, &log);
        let ready = wait_until(Duration::from_secs(60), || {
            server.log_text().contains("Kafka Server started") || !server.running()
        });
        assert!(
            ready && server.running(),
            "the broker did not start: {}",
            server.log_text()
        );
        self.server = Some(server);
    }

    pub fn stop(&mut self) {
        if let Some(mut s) = self.server.take() {
            s.stop();
        }
    }

    /// Creates `topic` with the Kafka topic tool.
    pub fn create_topic(&self, topic: &str, partitions: u32) {
        let out = Command::new("java")
            .arg(format!(
                "-Dlog4j2.configurationFile={}/log4j2.properties",
                self.dir.display()
            ))
            .args([
                "-cp",
                &self.classpath,
                "org.apache.kafka.tools.TopicCommand",
            ])
            .args([
                "--bootstrap-server",
                &self.bootstrap(),
                "--create",
                "--topic",
                topic,
            ])
            .args([
                "--partitions",
                &partitions.to_string(),
                "--replication-factor",
                "1",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "creating topic {topic}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
