"""The signals report as a policy reader opens it: one HTML file in a real browser (Debian's chromium through
chromium-driver), with the network shut off.

Run by Tests/SchakeldTests/SignalsBrowserTests.swift on the page `schakelctl signals --html` wrote for a year of
traffic. Checks that every chart is there as inline SVG with data in it and a reading guide beside it, that the page
asks nothing of the network (no resource loaded, no address in any src, href or style), that it fits a phone's width,
and that printing keeps every chart (print media, and a PDF made of it). With --screenshots DIR the page is saved at
1280 and 390 px wide, and as a PDF.

Exits 0 when every check passed; otherwise prints the check that failed and exits 1.
"""

import argparse
import base64
import os
import re
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

parser = argparse.ArgumentParser()
parser.add_argument("--html", required=True)
parser.add_argument("--screenshots")
args = parser.parse_args()

CHARTS = ["needs-over-time", "gap-map", "decline-reasons", "time-to-acknowledge", "nazorg-outcomes"]

options = webdriver.ChromeOptions()
options.binary_location = os.environ.get("SCHAKEL_CHROMIUM", "/usr/bin/chromium")
# No network: every host name fails to resolve and every proxy-able request goes nowhere.
for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=nl-NL",
             "--window-size=1280,900", "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
             "--allow-file-access-from-files"):
    options.add_argument(flag)
driver = webdriver.Chrome(
    service=Service(executable_path=os.environ.get("SCHAKEL_CHROMEDRIVER", "/usr/bin/chromedriver")),
    options=options)
driver.set_page_load_timeout(30)


class CheckFailed(Exception):
    pass


def check(condition, what):
    if not condition:
        raise CheckFailed(what)


def shot(name):
    if not args.screenshots:
        return
    os.makedirs(args.screenshots, exist_ok=True)
    for width in (1280, 390):
        driver.set_window_size(width, 900)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, max(900, height + 120))
        driver.save_screenshot(os.path.join(args.screenshots, f"{name}-{width}.png"))
    driver.set_window_size(1280, 900)


try:
    source = open(args.html, encoding="utf-8").read()
    driver.get("file://" + os.path.abspath(args.html))
    check(driver.find_element(By.TAG_NAME, "h1").text.startswith("Signalen"), "the page has its heading")
    check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "nl", "the page says it is Dutch")

    # Nothing from the network: no resource was loaded, no element names an address, no style imports one.
    resources = driver.execute_script("return performance.getEntriesByType('resource').map(r => r.name)")
    check(resources == [], f"the page loaded resources: {resources[:5]}")
    addresses = driver.execute_script("""
        return Array.from(document.querySelectorAll('[src], [href], [srcset], [data], [poster], [action]'))
            .map(e => e.outerHTML.slice(0, 120));
    """)
    check(addresses == [], f"elements that point elsewhere: {addresses[:5]}")
    check(driver.find_elements(By.TAG_NAME, "script") == [], "the page carries a script")
    check(driver.find_elements(By.CSS_SELECTOR, "link, iframe, img, object, embed") == [],
          "the page links or embeds something")
    check(not re.search(r"https?:|//[a-z0-9]|@import|url\((?!#)", source, re.IGNORECASE),
          "the file names an address (http:, //host, @import or url())")

    # Every chart: inline SVG, drawn, with data marks and a reading guide of a few sentences beside it.
    for chart in CHARTS:
        svgs = driver.find_elements(By.CSS_SELECTOR, f"svg[data-chart='{chart}']")
        check(len(svgs) == 1, f"chart {chart} is on the page once")
        svg = svgs[0]
        check(svg.size["width"] > 300 and svg.size["height"] > 100, f"chart {chart} is drawn ({svg.size})")
        values = [int(mark.get_attribute("data-value")) for mark in svg.find_elements(By.CSS_SELECTOR, "rect.mark")]
        check(len(values) >= 2 and sum(values) > 0, f"chart {chart} has data ({len(values)} marks)")
        check(svg.find_element(By.TAG_NAME, "title").get_attribute("textContent").strip() != "",
              f"chart {chart} has a title for screen readers")
        guide = svg.find_element(By.XPATH, "./ancestor::figure").find_element(By.TAG_NAME, "figcaption").text
        check(len(guide.split()) >= 30, f"chart {chart} has a reading guide ({len(guide.split())} words)")
    hidden = driver.find_elements(By.XPATH, "//td[normalize-space()='< 5']")
    check(hidden, "the tables show the rows under five referrals as '< 5'")
    check(len(driver.find_elements(By.CSS_SELECTOR, "table[data-table]")) >= 8, "every table is on the page")

    # A phone: nothing runs off the side.
    driver.set_window_size(390, 900)
    overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    check(overflow <= 1, f"at 390 px the page scrolls sideways by {overflow} px")
    driver.set_window_size(1280, 900)
    shot("signals")

    # Printing: with print media every chart is still shown whole, and the browser makes a PDF of it.
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    for chart in CHARTS:
        svg = driver.find_element(By.CSS_SELECTOR, f"svg[data-chart='{chart}']")
        check(svg.is_displayed() and svg.size["height"] > 100, f"printed, chart {chart} is still shown")
    pdf = base64.b64decode(driver.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})["data"])
    check(pdf.startswith(b"%PDF") and len(pdf) > 10_000, "the browser prints the page to a PDF")
    if args.screenshots:
        with open(os.path.join(args.screenshots, "signals.pdf"), "wb") as out:
            out.write(pdf)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    print("signals report: every check passed", flush=True)
except CheckFailed as failed:
    print(f"FAILED: {failed}", flush=True)
    if args.screenshots:
        os.makedirs(args.screenshots, exist_ok=True)
        driver.save_screenshot(os.path.join(args.screenshots, "signals-failure.png"))
    sys.exit(1)
finally:
    driver.quit()
