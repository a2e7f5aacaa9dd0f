// Gate scanner: camera and keyboard-wedge scanning, a verdict sound, and offline mode.
//
// The page works without this file (a plain form post per scan). With it:
// - every scan carries a nonce made here, so a retried upload is recorded once;
// - the camera reads QR codes with the browser's BarcodeDetector or, where it is missing, the
//   vendored jsQR (static/vendor), loaded by a script element only when the camera starts;
// - the offline kit (public keys, revocation list, encrypted roster) is kept in IndexedDB.
//   Offline, codes are verified here with WebCrypto Ed25519, each roster record is found and
//   decrypted with a key derived (HKDF-SHA256) from the ticket's own secret in the QR code,
//   local entries stop a second entry on this phone, and scans are queued and uploaded with
//   their nonces when the network is back. Vendor passes are verified the same way (their own
//   signing context) and judged on the kit's list of assigned vendors; they admit on every
//   scan, as online. See app/services/checkin/offline.py.
(function () {
  "use strict";

  var root = document.getElementById("scanner");
  if (!root) { return; }
  var form = document.getElementById("scan-form");
  var input = document.getElementById("code");
  var netStatus = document.getElementById("net-status");
  var queueNote = document.getElementById("offline-queue");
  var eventId = Number(root.dataset.eventId);
  var sessionId = form.elements.session_id.value || "";
  var gate = form.elements.gate.value || "";
  var CONTEXT = new TextEncoder().encode("marquee/ticket/v1\u0000");
  var CODE_LENGTH = 148;
  var PAYLOAD = 47;
  var VENDOR_CONTEXT = new TextEncoder().encode("marquee/vendor/v1\u0000");
  var VENDOR_CODE_LENGTH = 119;
  var VENDOR_PAYLOAD = 25;
  var LABELS = {valid: "VALID", already_in: "ALREADY IN", wrong_day: "WRONG DAY",
    revoked: "REVOKED", not_paid: "NOT PAID", unknown: "UNKNOWN", exit: "EXIT",
    not_inside: "NOT INSIDE"};
  var requestFailed = false;
  var kitSize = null;  // tickets in the offline roster, once downloaded
  var kitVendors = 0;  // vendors in the offline kit
  var pending = null;  // the scan being sent: {code, nonce}
  var kitKey = "kit:" + eventId + ":" + sessionId;
  var insideKey = "inside:" + eventId + ":" + sessionId;
  var queueKey = "queue:" + eventId;

  // ------------------------------------------------------------ storage (IndexedDB)
  var dbPromise = null;
  function database() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open("marquee-gate", 1);
        request.onupgradeneeded = function () { request.result.createObjectStore("kv"); };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }
  function store(mode, action) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("kv", mode);
        var request = action(tx.objectStore("kv"));
        tx.oncomplete = function () { resolve(request.result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  function load(key) { return store("readonly", function (s) { return s.get(key); }); }
  function save(key, value) { return store("readwrite", function (s) { return s.put(value, key); }); }

  // ------------------------------------------------------------ small helpers
  function hex(bytes) {
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function randomHex(n) { return hex(crypto.getRandomValues(new Uint8Array(n))); }
  var deviceId = localStorage.getItem("marquee-gate-device");
  if (!deviceId) { deviceId = randomHex(8); localStorage.setItem("marquee-gate-device", deviceId); }
  function newNonce() { return deviceId + "-" + Date.now().toString(36) + "-" + randomHex(6); }
  function fromBase64Url(text) {
    try {
      var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
      var raw = atob(b64 + "===".slice((b64.length + 3) % 4));
      return Uint8Array.from(raw, function (c) { return c.charCodeAt(0); });
    } catch (e) { return null; }
  }
  function concat(a, b) { var out = new Uint8Array(a.length + b.length); out.set(a); out.set(b, a.length); return out; }
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function direction() {
    var checked = form.querySelector("input[name=direction]:checked");
    return checked ? checked.value : "in";
  }
  function offline() { return !navigator.onLine || requestFailed; }

  // ------------------------------------------------------------ sound
  var audio = null;
  function beep(ok) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var tones = ok ? [[1046, 0, 0.12]] : [[220, 0, 0.18], [220, 0.25, 0.18]];
      tones.forEach(function (t) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.type = ok ? "sine" : "square";
        osc.frequency.value = t[0];
        gain.gain.value = 0.2;
        osc.connect(gain); gain.connect(audio.destination);
        osc.start(audio.currentTime + t[1]); osc.stop(audio.currentTime + t[1] + t[2]);
      });
    } catch (e) { /* no sound is not an error */ }
  }

  function ready() { input.value = ""; input.focus(); }

  // ------------------------------------------------------------ online scans (htmx)
  document.body.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (elt !== form && !(elt.classList && elt.classList.contains("manual-form"))) { return; }
    var nonce = newNonce();
    event.detail.parameters.nonce = nonce;
    event.detail.parameters.device_id = deviceId;
    if (elt === form) { pending = {code: input.value.trim(), nonce: nonce, direction: direction()}; }
  });
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (!offline()) { return; }
    if (elt === form) { event.preventDefault(); judgeOffline(pending); }
    else if (elt.id === "counts") { event.preventDefault(); }
  });
  document.body.addEventListener("htmx:sendError", function (event) {
    setOffline(true);
    if (event.detail.elt === form && pending) { judgeOffline(pending); }
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "verdict") {
      if (target && target.id === "results") { var r = target.querySelector("input[name=reason]"); if (r) { r.focus(); } }
      return;
    }
    var verdict = document.getElementById("verdict");
    var result = verdict.dataset.result;
    beep(result === "valid" || result === "exit");
    if (pending && result === "valid") { rememberEntry(pending.code, null); }
    pending = null;
    ready();
    document.body.dispatchEvent(new Event("checkin-scanned"));  // the counts refresh now
  });

  // ------------------------------------------------------------ offline verification
  function fields(code) {
    var bytes = code.length === CODE_LENGTH ? fromBase64Url(code) : null;
    if (!bytes || bytes.length !== PAYLOAD + 64 || bytes[0] !== 1) { return null; }
    var payload = bytes.slice(0, PAYLOAD);
    var view = new DataView(payload.buffer);
    return {payload: payload, signature: bytes.slice(PAYLOAD), keyId: view.getUint32(1),
      ticketId: view.getUint32(5), eventId: view.getUint32(9), secret: payload.slice(21, 37),
      validFrom: view.getUint32(37), validUntil: view.getUint32(41), revision: view.getUint16(45)};
  }
  // A vendor pass: version 1 · key id · application id · event id · booth id · from · until.
  function vendorFields(code) {
    var bytes = code.length === VENDOR_CODE_LENGTH ? fromBase64Url(code) : null;
    if (!bytes || bytes.length !== VENDOR_PAYLOAD + 64 || bytes[0] !== 1) { return null; }
    var payload = bytes.slice(0, VENDOR_PAYLOAD);
    var view = new DataView(payload.buffer);
    return {payload: payload, signature: bytes.slice(VENDOR_PAYLOAD), keyId: view.getUint32(1),
      applicationId: view.getUint32(5), eventId: view.getUint32(9), boothId: view.getUint32(13),
      validFrom: view.getUint32(17), validUntil: view.getUint32(21)};
  }
  function verifySignature(publicKey, claims, context) {
    return crypto.subtle.importKey("raw", fromBase64Url(publicKey), {name: "Ed25519"}, false, ["verify"])
      .then(function (key) {
        return crypto.subtle.verify({name: "Ed25519"}, key, claims.signature, concat(context, claims.payload));
      }).catch(function () { return false; });
  }
  function rosterMaterial(secret, salt) {
    return crypto.subtle.importKey("raw", secret, "HKDF", false, ["deriveBits"]).then(function (key) {
      return crypto.subtle.deriveBits({name: "HKDF", hash: "SHA-256", salt: new TextEncoder().encode(salt),
        info: new TextEncoder().encode("event:" + eventId)}, key, 384);
    }).then(function (bits) {
      var bytes = new Uint8Array(bits);
      return {index: hex(bytes.slice(0, 16)), key: bytes.slice(16)};
    });
  }
  function openRecord(material, sealed) {
    var raw = fromBase64Url(sealed);
    return crypto.subtle.importKey("raw", material.key, "AES-GCM", false, ["decrypt"]).then(function (key) {
      return crypto.subtle.decrypt({name: "AES-GCM", iv: raw.slice(0, 12),
        additionalData: new TextEncoder().encode(material.index)}, key, raw.slice(12));
    }).then(function (plain) { return JSON.parse(new TextDecoder().decode(plain)); })
      .catch(function () { return null; });
  }
  function refusal(result, detail) { return Promise.resolve({result: result, detail: detail}); }

  function verifyLocally(scan, kit, inside) {
    if (!kit) { return refusal("unknown", "No offline data on this phone yet: connect once"); }
    var claims = fields(scan.code);
    if (!claims) { return refusal("unknown", scan.code.length === CODE_LENGTH ? "Not a valid ticket code" : "Search needs the network"); }
    var publicKey = kit.keys[String(claims.keyId)];
    if (!publicKey) { return refusal("unknown", "Not one of this organizer's tickets"); }
    return verifySignature(publicKey, claims, CONTEXT).then(function (ok) {
      if (!ok) { return {result: "unknown", detail: "Not a valid ticket code"}; }
      if (claims.eventId !== eventId) { return {result: "unknown", detail: "A ticket for another event"}; }
      if (kit.revoked.indexOf(claims.ticketId) >= 0) { return {result: "revoked", detail: "This ticket was cancelled"}; }
      var current = kit.revisions[String(claims.ticketId)];
      if ((current || 1) !== claims.revision) { return {result: "revoked", detail: "An old code of a reissued (transferred) ticket"}; }
      var now = Date.now() / 1000;
      if (now < claims.validFrom || now > claims.validUntil) { return {result: "wrong_day", detail: "This code is not valid at this time"}; }
      return rosterMaterial(claims.secret, kit.salt).then(function (material) {
        return judgeEntry(scan, kit, inside, material);
      });
    });
  }

  // As app/services/checkin/vendor_passes.py judges it: no ALREADY IN (vendors come and go).
  function verifyVendorLocally(claims, kit) {
    if (!kit) { return refusal("unknown", "No offline data on this phone yet: connect once"); }
    var publicKey = kit.keys[String(claims.keyId)];
    if (!publicKey) { return refusal("unknown", "Not one of this organizer's vendor passes"); }
    return verifySignature(publicKey, claims, VENDOR_CONTEXT).then(function (ok) {
      if (!ok) { return {result: "unknown", detail: "Not a valid vendor pass"}; }
      if (claims.eventId !== eventId) { return {result: "unknown", detail: "A vendor pass for another event"}; }
      var vendor = (kit.vendors || {})[String(claims.applicationId)];
      var who = {holder_name: vendor ? vendor.n : "", ticket_type: "Vendor pass", place: vendor ? "Booth " + vendor.l : ""};
      if ((kit.vendors_revoked || []).indexOf(claims.applicationId) >= 0) {
        return Object.assign({result: "revoked", detail: "This vendor's application is no longer assigned"}, who);
      }
      if (vendor && vendor.b !== claims.boothId) {
        return Object.assign({result: "revoked", detail: "Replaced by a newer pass (booth changed)"}, who);
      }
      var now = Date.now() / 1000;
      if (now < claims.validFrom || now > claims.validUntil) { return Object.assign({result: "wrong_day", detail: "Outside the pass's days"}, who); }
      return Object.assign({result: "valid", detail: vendor ? "Vendor: load-in and trading"
        : "Vendor: not on this phone's list yet (assigned since it went offline?)"}, who);
    });
  }

  function judgeEntry(scan, kit, inside, material) {
    var entry = inside[material.index] || (kit.inside.indexOf(material.index) >= 0 ? {at: null} : null);
    var sealed = kit.roster[material.index];
    return (sealed ? openRecord(material, sealed) : Promise.resolve(null)).then(function (record) {
      var who = record ? {holder_name: record.n, ticket_type: record.y, place: record.s ? "Seat " + record.s : ""}
        : {holder_name: "", ticket_type: "Not in this phone's roster (issued later?)", place: ""};
      if (scan.direction === "out") {
        if (!kit.allow_reentry || !entry) { return Object.assign({result: "not_inside", detail: "Not checked in: nothing to exit"}, who); }
        return Object.assign({result: "exit", detail: "Left; may come back in", index: material.index}, who);
      }
      if (entry) {
        var detail = entry.at ? "at " + entry.at + (entry.gate ? " by " + entry.gate : "") : "before this phone went offline";
        return Object.assign({result: "already_in", detail: detail}, who);
      }
      return Object.assign({result: "valid", detail: "", index: material.index}, who);
    });
  }

  function judgeOffline(scan) {
    if (!scan) { return; }
    var vendor = vendorFields(scan.code);
    if (scan.code.length !== CODE_LENGTH && !vendor) {
      showVerdict({result: "unknown", detail: "Offline: searching by name or order code needs the network"});
      beep(false); ready(); return;
    }
    Promise.all([load(kitKey), load(insideKey)]).then(function (loaded) {
      var inside = loaded[1] || {};
      var judged = vendor ? verifyVendorLocally(vendor, loaded[0]) : verifyLocally(scan, loaded[0], inside);
      return judged.then(function (verdict) {
        if (verdict.result === "valid" && verdict.index) { inside[verdict.index] = {at: clock(), gate: gate || "this phone"}; }
        if (verdict.result === "exit") { delete inside[verdict.index]; }
        showVerdict(verdict);
        beep(verdict.result === "valid" || verdict.result === "exit");
        ready();
        return save(insideKey, inside).then(function () { return enqueue(scan, verdict.result); });
      });
    }).catch(function () { showVerdict({result: "unknown", detail: "This phone could not check the code"}); });
  }

  function clock() {
    var now = new Date();
    return ("0" + now.getHours()).slice(-2) + ":" + ("0" + now.getMinutes()).slice(-2);
  }

  function rememberEntry(code) {
    var claims = fields(code);
    if (!claims) { return; }
    Promise.all([load(kitKey), load(insideKey)]).then(function (loaded) {
      if (!loaded[0]) { return null; }
      return rosterMaterial(claims.secret, loaded[0].salt).then(function (material) {
        var inside = loaded[1] || {};
        inside[material.index] = {at: clock(), gate: gate || "this gate"};
        return save(insideKey, inside);
      });
    }).catch(function () { /* best effort */ });
  }

  function paragraph(parent, className, text) {
    if (!text) { return; }
    var p = document.createElement("p");
    p.className = className; p.textContent = text; parent.appendChild(p);
  }
  function showVerdict(verdict) {
    var old = document.getElementById("verdict");
    var box = document.createElement("div");
    box.id = "verdict";
    box.className = "verdict verdict-" + verdict.result + " verdict-offline";
    box.setAttribute("role", "status"); box.setAttribute("aria-live", "assertive"); box.setAttribute("aria-atomic", "true");
    box.dataset.result = verdict.result;
    paragraph(box, "verdict-label", LABELS[verdict.result]);
    paragraph(box, "verdict-detail", verdict.detail);
    paragraph(box, "verdict-holder", verdict.holder_name);
    paragraph(box, "verdict-ticket", verdict.ticket_type ? verdict.ticket_type + (verdict.place ? " · " + verdict.place : "") : "");
    paragraph(box, "verdict-offline-note", "Checked on this phone (offline): will upload when back online");
    old.replaceWith(box);
  }

  // ------------------------------------------------------------ queue and upload
  function enqueue(scan, result) {
    return load(queueKey).then(function (queue) {
      queue = queue || [];
      queue.push({nonce: scan.nonce, code: scan.code, scanned_at: Date.now(), gate: gate,
        session_id: sessionId ? Number(sessionId) : null, direction: scan.direction,
        device_id: deviceId, offline_result: result});
      return save(queueKey, queue).then(function () {
        showQueue(queue.length);
        if (!offline()) { uploadSoon(0); }  // the network came back while this was being saved
      });
    });
  }
  function showQueue(count, message) {
    queueNote.hidden = !count && !message;
    queueNote.textContent = message || (count + (count === 1 ? " scan" : " scans") + " waiting to upload");
  }
  var uploading = false;
  var uploadTimer = null;
  function uploadSoon(delay) {
    if (uploadTimer) { return; }
    uploadTimer = setTimeout(function () {
      uploadTimer = null;
      if (navigator.onLine && requestFailed) { requestFailed = false; setOffline(false); }
      upload();
    }, delay);
  }
  function upload() {
    if (uploading || offline()) { return Promise.resolve(); }
    uploading = true;
    return load(queueKey).then(function (queue) {
      if (!queue || !queue.length) { return null; }
      var batch = queue.slice(0, 200);
      return fetch(root.dataset.syncUrl, {method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken()},
        body: JSON.stringify({scans: batch})
      }).then(function (response) {
        if (!response.ok) { throw new Error("upload refused: " + response.status); }
        return response.json();
      }).then(function (answer) {
        var done = {};
        answer.results.forEach(function (r) { done[r.nonce] = r; });
        var conflicts = answer.results.filter(function (r) { return r.conflict; }).length;
        return load(queueKey).then(function (current) {
          var left = (current || []).filter(function (item) { return !done[item.nonce]; });
          return save(queueKey, left).then(function () {
            showQueue(left.length, left.length ? "" : "Uploaded " + answer.results.length + " offline scans" +
              (conflicts ? " · " + conflicts + " conflict(s) reported to the organizer" : ""));
            if (left.length) { uploadSoon(500); }  // queued while this batch was in flight
          });
        });
      });
    }).catch(function () {
      setOffline(true);
      if (navigator.onLine) { uploadSoon(5000); }  // the server, not the phone, was unreachable
    }).then(function () { uploading = false; });
  }

  function refreshKit() {
    if (offline()) { return Promise.resolve(); }
    return fetch(root.dataset.kitUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error("kit refused"); }
        return response.json();
      }).then(function (kit) {
        return save(kitKey, kit).then(function () {
          kitSize = Object.keys(kit.roster).length;
          kitVendors = Object.keys(kit.vendors || {}).length;
          root.dataset.kit = "ready";
          setOffline(requestFailed);
        });
      })
      .catch(function () { setOffline(true); });
  }

  // ------------------------------------------------------------ network state
  function setOffline(failed) {
    requestFailed = failed;
    var off = offline();
    var ready = kitSize === null ? "" : " · offline data ready (" + kitSize + " tickets" +
      (kitVendors ? ", " + kitVendors + (kitVendors === 1 ? " vendor" : " vendors") : "") + ")";
    netStatus.textContent = off ? "OFFLINE · scans are checked on this phone and uploaded later" : "Online" + ready;
    netStatus.className = "net-status " + (off ? "net-offline" : "net-online");
  }
  window.addEventListener("offline", function () { setOffline(requestFailed); });
  window.addEventListener("online", function () {
    setOffline(false);
    upload().then(refreshKit);
  });
  setInterval(function () {
    if (navigator.onLine && requestFailed) { requestFailed = false; setOffline(false); }
    upload();
  }, 15000);
  setInterval(refreshKit, 60000);
  setOffline(false);
  refreshKit().then(upload);
  load(queueKey).then(function (queue) { showQueue((queue || []).length); }).catch(function () {});

  // ------------------------------------------------------------ camera
  var cameraButton = document.getElementById("camera-button");
  var video = document.getElementById("camera");
  var cameraNote = document.getElementById("camera-note");
  var detector = null;  // {detect(video) -> Promise<[{rawValue}]>}, once the camera starts
  var lastSeen = {text: "", at: 0};
  // Without the browser's BarcodeDetector, frames go through the vendored jsQR (loaded only
  // then, from data-qr-decoder-url): drawn on a canvas at most 640 px wide, ~5 times a second.
  function canvasDetector() {
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", {willReadFrequently: true});
    return {detect: function (source) {
      var scale = Math.min(1, 640 / (source.videoWidth || 1));
      canvas.width = Math.round(source.videoWidth * scale);
      canvas.height = Math.round(source.videoHeight * scale);
      if (!canvas.width || !canvas.height) { return Promise.resolve([]); }
      context.drawImage(source, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height, {inversionAttempts: "dontInvert"});
      return Promise.resolve(found ? [{rawValue: found.data}] : []);
    }};
  }
  function loadDetector() {
    if (detector) { return Promise.resolve(detector); }
    if ("BarcodeDetector" in window) {
      detector = new window.BarcodeDetector({formats: ["qr_code"]});
      return Promise.resolve(detector);
    }
    return new Promise(function (resolve, reject) {
      if (window.jsQR) { resolve(); return; }
      var script = document.createElement("script");
      script.src = root.dataset.qrDecoderUrl;
      script.onload = function () { if (window.jsQR) { resolve(); } else { reject(new Error("no decoder")); } };
      script.onerror = function () { reject(new Error("decoder not loaded")); };
      document.head.appendChild(script);
    }).then(function () { detector = canvasDetector(); return detector; });
  }
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    cameraButton.hidden = false;
  } else {
    cameraNote.hidden = false;
    cameraNote.textContent = "No camera scanning in this browser: use a handheld scanner or type the code.";
  }
  function scanFrames() {
    if (video.hidden) { return; }
    detector.detect(video).then(function (codes) {
      var text = codes.length ? codes[0].rawValue : "";
      var now = Date.now();
      if (text && (text !== lastSeen.text || now - lastSeen.at > 3000)) {
        lastSeen = {text: text, at: now};
        input.value = text;
        form.requestSubmit();
      }
    }).catch(function () {}).then(function () { setTimeout(scanFrames, 200); });
  }
  cameraButton.addEventListener("click", function () {
    if (!video.hidden) {
      video.hidden = true;
      if (video.srcObject) { video.srcObject.getTracks().forEach(function (t) { t.stop(); }); }
      cameraButton.textContent = "Scan with camera";
      ready();
      return;
    }
    loadDetector().then(function () {
      return navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false});
    }).then(function (stream) {
      video.srcObject = stream; video.hidden = false;
      cameraButton.textContent = "Stop camera";
      return video.play();
    }).then(scanFrames).catch(function () {
      cameraNote.hidden = false;
      cameraNote.textContent = "The camera could not start: allow camera access, or type the code.";
    });
  });

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.swUrl, {scope: "/checkin/"}).catch(function () {});
  }
  ready();
}());
