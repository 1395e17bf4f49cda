// Reads a JSON list of texts on stdin; prints [encoding, segments] for each, per Twilio's calculator.
const { SegmentedMessage } = require("sms-segments-calculator");
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const texts = JSON.parse(input);
  const out = texts.map((t) => {
    const m = new SegmentedMessage(t, "auto");
    return [m.encodingName, m.segmentsCount];
  });
  process.stdout.write(JSON.stringify(out));
});
