// Draws each [data-qr] element's text as a QR code (an SVG from qrcode-generator), for authenticator apps to scan.
document.querySelectorAll("[data-qr]").forEach((element) => {
  const code = qrcode(0, "M");
  code.addData(element.dataset.qr);
  code.make();
  element.innerHTML = code.createSvgTag({ cellSize: 5, margin: 4, scalable: true });
});
