// The camera page of `asl serve`: frames to POST /predict several times a second, the landmarks and
// the letter drawn over the live video; a letter held steady is added to the line of text.
"use strict";

const FRAMES_PER_SECOND = 5;
const STEADY_FRAMES = 4;        // the same letter this many frames in a row ...
const STEADY_PROBABILITY = 0.5; // ... each at least this sure, is added to the text once
const CONNECTIONS = [[0, 1], [1, 2], [2, 3], [3, 4], [0, 5], [5, 6], [6, 7], [7, 8], [5, 9], [9, 10], [10, 11],
  [11, 12], [9, 13], [13, 14], [14, 15], [15, 16], [13, 17], [0, 17], [17, 18], [18, 19], [19, 20]];

const $ = (id) => document.getElementById(id);
const video = $("video"), photo = $("photo"), overlay = $("overlay");
const grab = document.createElement("canvas");
let streaming = false, inFlight = false, run = { letter: null, count: 0, added: false };

function status(text) { $("status").textContent = text; }

function show(result) {
  $("letter").textContent = result.letter || "·";
  $("probability").textContent = result.letter
    ? `${(100 * result.probability).toFixed(0)}%` + (result.top.length > 1
      ? ` (then ${result.top.slice(1).map(([l, p]) => `${l} ${(100 * p).toFixed(0)}%`).join(", ")})` : "")
    : (result.error || "no hand found");
}

function draw(result, shown, width, height) {
  const box = shown.getBoundingClientRect();
  overlay.width = box.width; overlay.height = box.height;
  const g = overlay.getContext("2d");
  g.clearRect(0, 0, overlay.width, overlay.height);
  if (!result.landmarks) return;
  const sx = box.width / width, sy = box.height / height;
  const p = result.landmarks.map(([x, y]) => [x * sx, y * sy]);
  g.lineWidth = 3; g.strokeStyle = "#4cf"; g.fillStyle = "#fc4";
  for (const [a, b] of CONNECTIONS) { g.beginPath(); g.moveTo(...p[a]); g.lineTo(...p[b]); g.stroke(); }
  for (const [x, y] of p) { g.beginPath(); g.arc(x, y, 4, 0, 2 * Math.PI); g.fill(); }
  if (result.letter) {
    const [x, y] = p[0];
    g.font = "bold 48px system-ui"; g.fillStyle = "#fff"; g.strokeStyle = "#000"; g.lineWidth = 4;
    g.strokeText(result.letter, x + 10, y - 10); g.fillText(result.letter, x + 10, y - 10);
  }
}

function hold(result) {
  const letter = result.letter && result.probability >= STEADY_PROBABILITY ? result.letter : null;
  if (letter !== run.letter) { run = { letter, count: 0, added: false }; }
  run.count += 1;
  if (letter && !run.added && run.count >= STEADY_FRAMES) {
    $("text").textContent += letter;
    run.added = true;
  }
}

async function post(body, contentType) {
  const response = await fetch("/predict", contentType ? { method: "POST", body, headers: { "Content-Type": contentType } }
    : { method: "POST", body });
  const result = await response.json();
  if (!response.ok) throw new Error(result.error || `HTTP ${response.status}`);
  return result;
}

async function tick() {
  if (!streaming || inFlight || video.readyState < 2) return;
  inFlight = true;
  try {
    grab.width = video.videoWidth; grab.height = video.videoHeight;
    grab.getContext("2d").drawImage(video, 0, 0);
    const blob = await new Promise((done) => grab.toBlob(done, "image/jpeg", 0.85));
    const result = await post(blob, "image/jpeg");
    show(result); draw(result, video, grab.width, grab.height); hold(result);
    status("reading the camera");
  } catch (e) {
    status(`error: ${e.message}`);
  } finally {
    inFlight = false;
  }
}

async function startCamera() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    status("no camera here (this browser or an insecure origin): drop a photo instead"); return;
  }
  try {
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
    photo.hidden = true; video.hidden = false; streaming = true;
    status("camera on");
  } catch (e) {
    status(`no camera (${e.name}): drop a photo instead`);
  }
}

async function readPhoto(file) {
  streaming = false;
  const form = new FormData();
  form.append("file", file, file.name || "photo");
  photo.src = URL.createObjectURL(file);
  await new Promise((done) => { photo.onload = done; photo.onerror = done; });
  photo.hidden = false; video.hidden = true;
  try {
    const result = await post(form);
    show(result); draw(result, photo, result.width, result.height);
    $("photo-result").textContent = `${file.name}: ${result.letter || "no hand found"}`;
    status("read a photo; press camera to go back to the camera");
  } catch (e) {
    $("photo-result").textContent = `${file.name}: ${e.message}`;
    status(`error: ${e.message}`);
  }
}

$("clear").onclick = () => { $("text").textContent = ""; };
$("space").onclick = () => { $("text").textContent += " "; };
$("backspace").onclick = () => { $("text").textContent = $("text").textContent.slice(0, -1); };
$("camera").onclick = startCamera;
$("file").onchange = (e) => { if (e.target.files[0]) readPhoto(e.target.files[0]); };
const drop = $("drop");
drop.ondragover = (e) => { e.preventDefault(); drop.classList.add("over"); };
drop.ondragleave = () => drop.classList.remove("over");
drop.ondrop = (e) => {
  e.preventDefault(); drop.classList.remove("over");
  if (e.dataTransfer.files[0]) readPhoto(e.dataTransfer.files[0]);
};
setInterval(tick, 1000 / FRAMES_PER_SECOND);
startCamera();
