#!/usr/bin/env bash
# Build the APK test corpus (tests/apks/*.apk, *.xapk, *.apks) fully offline with Debian's tools:
#   apt-get install apksigner aapt zipalign apktool android-framework-res default-jdk-headless
# Test keys live in tests/apks/keys/ and are created only when missing, so the official certificate
# fingerprints in data/brands.toml stay valid across rebuilds. The files are committed; rebuild only when the
# corpus changes (signatures differ byte-wise on every build, fingerprints do not).
# Usage: tests/apks/build_corpus.sh [OUTDIR]   (default: tests/apks)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
SRC="$HERE/src"
KEYS="$HERE/keys"
OUT="$(realpath -m "${1:-$HERE}")"
PY="${PYTHON:-python3}"
FRAMEWORK=/usr/share/android-framework-res/framework-res.apk
PASS=fakeapp-test   # test keys only; never use these for anything real
SMALI_CP="/usr/share/apktool/*"

for tool in aapt apksigner zipalign apktool keytool java "$PY"; do
    command -v "$tool" >/dev/null || { echo "missing $tool (see the header of $0)" >&2; exit 1; }
done
[ -f "$FRAMEWORK" ] || { echo "missing $FRAMEWORK (apt-get install android-framework-res)" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT" "$KEYS"

# --- keys (test only) -----------------------------------------------------------------------------------
genkey() {  # name alg dname
    local ks="$KEYS/$1.p12"
    [ -f "$ks" ] && return 0
    local extra=(-keyalg "$2")
    [ "$2" = RSA ] && extra+=(-keysize 2048)
    [ "$2" = EC ] && extra+=(-groupname secp256r1)
    keytool -genkeypair -noprompt -storetype PKCS12 -keystore "$ks" -storepass "$PASS" -keypass "$PASS" \
        -alias "$1" "${extra[@]}" -validity 10000 -startdate 2024/01/01 -dname "$3" >/dev/null 2>&1
    echo "created key $ks"
}
genkey official RSA "CN=Huayue Securities Mobile, OU=Mobile Apps, O=Huayue Securities Co. Ltd., L=Taipei, C=TW"
genkey official2 EC "CN=Huayue Securities Mobile 2025, OU=Mobile Apps, O=Huayue Securities Co. Ltd., L=Taipei, C=TW"
# what `keytool`/Android Studio put in a debug keystore; repackagers often sign with exactly this
genkey debug RSA "CN=Android Debug, O=Android, C=US"
genkey impostor RSA "CN=Huayue, OU=Huayue, O=Huayue, L=Taipei, ST=Taiwan, C=TW"
genkey unrelated RSA "CN=Example Notes, O=Example Apps, C=US"

signer() {  # name -> apksigner signer options
    echo --ks "$KEYS/$1.p12" --ks-pass "pass:$PASS" --ks-key-alias "$1" --key-pass "pass:$PASS"
}
LINEAGE="$KEYS/official.lineage"
if [ ! -f "$LINEAGE" ]; then
    # shellcheck disable=SC2046
    apksigner rotate --out "$LINEAGE" --old-signer $(signer official) --new-signer $(signer official2)
    echo "created lineage $LINEAGE"
fi

# --- unsigned apps from source --------------------------------------------------------------------------
# build_app NAME PKG LABEL ICON MIN TARGET VCODE VNAME EXTRA_PERMISSIONS_FILE
build_app() {
    local name=$1 pkg=$2 label=$3 icon=$4 min=$5 target=$6 vcode=$7 vname=$8 extra=${9:-}
    local d="$WORK/$name"
    mkdir -p "$d/res/values" "$d/res/drawable" "$d/assets" "$d/smali/${pkg//.//}" "$d/bin"
    local perms=""
    [ -n "$extra" ] && perms="$(cat "$extra")"
    PKG="$pkg" VC="$vcode" VN="$vname" MIN="$min" TGT="$target" PERMS="$perms" "$PY" - "$SRC/app/AndroidManifest.xml.in" "$d/AndroidManifest.xml" <<'EOF'
import os, sys
t = open(sys.argv[1], encoding="utf-8").read()
for k, v in {"@PKG@": "PKG", "@VERSION_CODE@": "VC", "@VERSION_NAME@": "VN", "@MIN_SDK@": "MIN",
             "@TARGET_SDK@": "TGT", "@EXTRA_PERMISSIONS@": "PERMS"}.items():
    t = t.replace(k, os.environ[v])
open(sys.argv[2], "w", encoding="utf-8").write(t)
EOF
    LABEL="$label" "$PY" - "$SRC/app/strings.xml.in" "$d/res/values/strings.xml" <<'EOF'
import os, sys
from xml.sax.saxutils import escape
t = open(sys.argv[1], encoding="utf-8").read()
t = t.replace("@LABEL@", escape(os.environ["LABEL"])).replace("@WELCOME@", escape("Welcome to " + os.environ["LABEL"]))
open(sys.argv[2], "w", encoding="utf-8").write(t)
EOF
    cp "$SRC/icons/$icon" "$d/res/drawable/ic_launcher.png"
    printf 'api=https://api.huayue-sec.com.tw/v1\nchannel=%s\n' "$name" >"$d/assets/server.conf"
    sed "s#@PKG_PATH@#${pkg//.//}#g" "$SRC/app/MainActivity.smali.in" >"$d/smali/${pkg//.//}/MainActivity.smali"
    java -cp "$SMALI_CP" org.jf.smali.Main assemble -o "$d/bin/classes.dex" "$d/smali"
    # -0 conf: keep the config asset stored (uncompressed), as many build setups do for raw assets
    aapt package -f -0 conf -M "$d/AndroidManifest.xml" -S "$d/res" -A "$d/assets" -I "$FRAMEWORK" \
        -F "$d/unsigned.apk" >/dev/null
    (cd "$d/bin" && aapt add "$d/unsigned.apk" classes.dex >/dev/null)
    zipalign -f 4 "$d/unsigned.apk" "$d/aligned.apk"
}

# sign IN OUT SIGNER v1 v2 v3 [extra apksigner options...]
sign() {
    local in=$1 out=$2 who=$3 v1=$4 v2=$5 v3=$6
    shift 6
    # shellcheck disable=SC2046
    apksigner sign $(signer "$who") --v1-signing-enabled "$v1" --v2-signing-enabled "$v2" \
        --v3-signing-enabled "$v3" "$@" --out "$out" "$in"
    rm -f "$out.idsig"
}

OFFICIAL_ICON=huayue_96.png
build_app official tw.com.huayuesec.trade "華岳e把罩" $OFFICIAL_ICON 21 33 412 4.1.2
# an older official release (target 29: Android accepts v1-only signatures below target 30)
build_app official_old tw.com.huayuesec.trade "華岳e把罩" $OFFICIAL_ICON 21 29 300 3.0.0
build_app official24 tw.com.huayuesec.trade "華岳e把罩" $OFFICIAL_ICON 24 33 412 4.1.2
build_app rotated tw.com.huayuesec.trade "華岳e把罩" $OFFICIAL_ICON 21 34 500 5.0.0
build_app internal tw.com.huayuesec.internal "華岳e把罩 內部測試" $OFFICIAL_ICON 21 33 9001 9.0.1-internal
build_app impostor tw.com.huayues3c.trade "華岳е把罩" impostor_96.png 19 22 412 4.1.2 "$SRC/trojan/permissions.xml"
build_app impostor_pro tw.com.huayuesec.trade.pro "Huаyue Pro" other_96.png 21 28 10 1.0 ""
build_app unrelated org.example.notes "Notes" other_96.png 21 33 3 1.2 ""

sign "$WORK/official/aligned.apk" "$OUT/official.apk" official true true true
sign "$WORK/official_old/aligned.apk" "$OUT/official_v1only.apk" official true false false
sign "$WORK/official24/aligned.apk" "$OUT/official_v2v3.apk" official false true true
sign "$WORK/rotated/aligned.apk" "$OUT/official_rotated.apk" official true true true \
    --next-signer $(signer official2) --lineage "$LINEAGE"
sign "$WORK/internal/aligned.apk" "$OUT/official_internal.apk" official true true true
sign "$WORK/impostor/aligned.apk" "$OUT/impostor.apk" impostor true true false
sign "$WORK/impostor_pro/aligned.apk" "$OUT/impostor_pro.apk" impostor true true true
sign "$WORK/unrelated/aligned.apk" "$OUT/unrelated.apk" unrelated true true true

# --- repackaged: decode the official APK, add a trojan, rebuild with apktool, sign with a debug key ------
FW="$WORK/apktool-framework"
apktool if -p "$FW" "$FRAMEWORK" >/dev/null
apktool d -f -p "$FW" -o "$WORK/repack" "$OUT/official.apk" >/dev/null
"$PY" - "$WORK/repack/AndroidManifest.xml" "$SRC/trojan/permissions.xml" "$SRC/trojan/components.xml" <<'EOF'
import sys
path, perms, comps = sys.argv[1:]
t = open(path, encoding="utf-8").read()
t = t.replace("<application", open(perms, encoding="utf-8").read() + "    <application", 1)
t = t.replace("</application>", open(comps, encoding="utf-8").read() + "    </application>", 1)
open(path, "w", encoding="utf-8").write(t)
EOF
mkdir -p "$WORK/repack/res/xml"
cp "$SRC/trojan/sync_service.xml" "$WORK/repack/res/xml/sync_service.xml"
cp "$SRC/trojan/SyncService.smali" "$SRC/trojan/SmsReceiver.smali" "$WORK/repack/smali/tw/com/huayuesec/trade/"
printf 'api=https://api.huayue-sec.com.tw/v1\nchannel=official\n' >"$WORK/repack/assets/server.conf"
apktool b -p "$FW" -o "$WORK/repack-unsigned.apk" "$WORK/repack" >/dev/null
zipalign -f 4 "$WORK/repack-unsigned.apk" "$WORK/repack-aligned.apk"
sign "$WORK/repack-aligned.apk" "$OUT/repackaged.apk" debug true true false

# --- forgeries of the official signature ----------------------------------------------------------------
"$PY" "$SRC/corpus_tools.py" transplant "$OUT/official.apk" "$WORK/repack-aligned.apk" "$OUT/transplant.apk"
"$PY" "$SRC/corpus_tools.py" tamper "$OUT/official.apk" assets/server.conf \
    "api.huayue-sec.com.tw" "api.huayue-5ec.com.tw" "$OUT/tampered.apk"
"$PY" "$SRC/corpus_tools.py" strip "$OUT/official.apk" "$OUT/stripped_v2.apk"

# --- bundles --------------------------------------------------------------------------------------------
SPLIT="$WORK/config.arm64_v8a.apk"
"$PY" "$SRC/corpus_tools.py" bundle "$SPLIT" "lib/arm64-v8a/README=text:native libraries would be here"
"$PY" "$SRC/corpus_tools.py" bundle "$OUT/official.xapk" \
    "manifest.json=text:{\"xapk_version\": 2, \"package_name\": \"tw.com.huayuesec.trade\", \"version_code\": \"412\", \"split_apks\": [{\"file\": \"tw.com.huayuesec.trade.apk\", \"id\": \"base\"}, {\"file\": \"config.arm64_v8a.apk\", \"id\": \"config.arm64_v8a\"}]}" \
    "icon.png=$SRC/icons/$OFFICIAL_ICON" \
    "tw.com.huayuesec.trade.apk=$OUT/official.apk" "config.arm64_v8a.apk=$SPLIT"
"$PY" "$SRC/corpus_tools.py" bundle "$OUT/repackaged.apks" \
    "base.apk=$OUT/repackaged.apk" "split_config.arm64_v8a.apk=$SPLIT"
"$PY" "$SRC/corpus_tools.py" bundle "$OUT/nobase.xapk" \
    "manifest.json=text:{\"xapk_version\": 2, \"package_name\": \"tw.com.huayuesec.trade\", \"split_apks\": [{\"file\": \"config.arm64_v8a.apk\", \"id\": \"config.arm64_v8a\"}]}" \
    "config.arm64_v8a.apk=$SPLIT"

# --- corrupt files --------------------------------------------------------------------------------------
"$PY" "$SRC/corpus_tools.py" truncate "$OUT/official.apk" "$OUT/truncated.apk" 0.6
"$PY" "$SRC/corpus_tools.py" random "$OUT/random.apk" 8192 20261121
printf 'This is not an APK. <html><body>Download the app</body></html>\n' >"$OUT/notzip.apk"

ls -l "$OUT"/*.apk "$OUT"/*.xapk "$OUT"/*.apks
