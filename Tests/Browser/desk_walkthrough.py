"""The desk as its people use it, in a real browser (Debian's chromium through chromium-driver).

Run by Tests/SchakeldTests/DeskBrowserTests.swift against a real schakeld on the manual clock and a real
schakel-desk: Anna sees an offer without the citizen's identity, takes it with the keyboard alone and sees the
details; Bram declines the housing need and Carla gets it; Carla records first contact; eight weeks pass and Anna
answers nazorg; a coordinator sees an unowned need and assigns it. The citizen opens their own page with the code
from ACCEPTED at each stage (offered, taken, contacted, nazorg), checks the words and times, compares the list of
who received their data with `schakelctl audit`, answers "Bent u geholpen?" and finally withdraws their consent,
after which the code no longer works and Carla's open case is cancelled. Every step checks what the person sees, and
the accessibility basics of every page (lang, one h1, a label for every control, no sideways scrolling at 390 px
and at 200% zoom). With --screenshots DIR each page is saved at 1280 and 390 px wide.

Exits 0 when every step passed; otherwise prints the step that failed and exits 1.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

parser = argparse.ArgumentParser()
parser.add_argument("--desk", required=True)
parser.add_argument("--schakelctl", required=True)
parser.add_argument("--state-dir", required=True)
parser.add_argument("--broker", required=True)
parser.add_argument("--second-referral", required=True, help="a debt referral file, submitted mid-way")
parser.add_argument("--citizen", required=True, help="the citizen's display name: never on an offer")
parser.add_argument("--citizen-phone", required=True)
parser.add_argument("--citizen-code", required=True, help="the citizen_code of the first referral's ACCEPTED")
parser.add_argument("--referral-id", required=True, help="the first referral, for schakelctl audit")
parser.add_argument("--social-map", required=True, help="the map, to name the organisation of each disclosure")
parser.add_argument("--screenshots")
args = parser.parse_args()

options = webdriver.ChromeOptions()
options.binary_location = os.environ.get("SCHAKEL_CHROMIUM", "/usr/bin/chromium")
for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=nl-NL",
             "--window-size=1280,900"):
    options.add_argument(flag)
driver = webdriver.Chrome(
    service=Service(executable_path=os.environ.get("SCHAKEL_CHROMEDRIVER", "/usr/bin/chromedriver")),
    options=options)
driver.set_page_load_timeout(30)


class StepFailed(Exception):
    pass


def check(condition, what):
    if not condition:
        raise StepFailed(what)


def step(text):
    print(f"step: {text}", flush=True)


def body():
    return driver.find_element(By.TAG_NAME, "body").text


def go(path):
    driver.get(args.desk.rstrip("/") + path)
    accessible()


def navigate(action):
    """Runs `action` (a click, a key) and waits until the browser has loaded the page it leads to."""
    driver.execute_script("window.schakelOldPage = true")
    action()

    def loaded(_):
        try:
            return driver.execute_script(
                "return window.schakelOldPage === undefined && document.readyState === 'complete'")
        except Exception:  # the old page is being torn down under the question
            return False

    WebDriverWait(driver, 20).until(loaded)
    accessible()


def click(text, tag="button", within=None):
    for element in (within or driver).find_elements(By.TAG_NAME, tag):
        if element.text.strip() == text and element.is_displayed():
            navigate(element.click)
            return
    raise StepFailed(f"no {tag} '{text}' on {driver.current_url}:\n{body()}")


def accessible():
    """The WCAG basics every page must meet; checked on every page the walkthrough visits."""
    url = driver.current_url
    check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") in ("nl", "en"), f"lang on {url}")
    check(len(driver.find_elements(By.TAG_NAME, "h1")) == 1, f"exactly one h1 on {url}")
    unlabelled = driver.execute_script("""
        return Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
          .filter(e => e.type !== 'radio' ? e.labels.length === 0 : e.closest('label') === null)
          .map(e => e.name);""")
    check(unlabelled == [], f"controls without a label on {url}: {unlabelled}")
    check(driver.find_elements(By.CSS_SELECTOR, "main#inhoud"), f"a main landmark on {url}")


def fits(width):
    """No sideways scrolling at `width` CSS pixels (390: a phone; 640: 1280 at 200% zoom)."""
    driver.set_window_size(width, 900)
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    driver.set_window_size(1280, 900)
    check(overflow <= 0, f"{driver.current_url} scrolls sideways by {overflow}px at {width}px")


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


def login(name):
    driver.delete_all_cookies()
    go("/login")
    click(name)


def logout():
    click("Uitloggen")
    check("/login" in driver.current_url, "logging out leads to the login page")


def schakelctl(*arguments):
    result = subprocess.run([args.schakelctl, *arguments], capture_output=True, text=True, timeout=60)
    check(result.returncode == 0, f"schakelctl {' '.join(arguments)}: {result.stderr}")
    return result.stdout


def wait_for(path, text, timeout=10):
    """Reloads `path` until `text` shows: outbox messages reach the desk a moment after the broker commits."""
    deadline = time.monotonic() + timeout
    while True:
        go(path)
        if text in body():
            return
        if time.monotonic() > deadline:
            raise StepFailed(f"'{text}' never showed on {path}:\n{body()}")
        time.sleep(0.2)


def advance(duration):
    schakelctl("clock", "advance", duration, "--state-dir", args.state_dir)


def citizen_page(code=None):
    """The citizen's page as the citizen reaches it: the form, the code typed as a person might, Bekijken."""
    go("/inwoner")
    field = driver.find_element(By.ID, "code")
    field.clear()
    field.send_keys((code or args.citizen_code).lower().replace("-", " "))
    click("Bekijken")
    check(args.citizen not in driver.page_source, f"the citizen's page names the citizen: {body()}")
    check(args.citizen_phone not in driver.page_source, "the citizen's page shows the citizen's phone")
    check(args.citizen_code not in driver.current_url, "the code is never in the URL")
    return body()


def card(domain):
    """The card of a need on the citizen's page, by its domain's label."""
    for article in driver.find_elements(By.CSS_SELECTOR, "article.card"):
        if article.find_element(By.TAG_NAME, "h3").text == domain:
            return article
    raise StepFailed(f"no card '{domain}' on the citizen's page:\n{body()}")


DAYS = ["ma", "di", "wo", "do", "vr", "za", "zo"]
MONTHS = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]


def in_words(utc):
    """An RFC 3339 time as the page writes it: Amsterdam's wall clock, "ma 23 nov 10:00"."""
    at = datetime.fromisoformat(utc.replace("Z", "+00:00")).astimezone(ZoneInfo("Europe/Amsterdam"))
    return f"{DAYS[at.weekday()]} {at.day} {MONTHS[at.month - 1]} {at:%H:%M}"


def disclosures_match_the_audit():
    """The table of who received the data is the audit trail's disclosed events: as many, the same organisations
    in the same order, at the same times. Offers reach their contacts a moment after the broker commits them, so a
    page and an audit that straddle one are read again."""
    with open(args.social_map) as f:
        social_map = json.load(f)
    organisation_of = {c["id"]: c["organization"] for c in social_map["contacts"]}
    name_of = {o["id"]: o["name"] for o in social_map["organizations"]}
    deadline = time.monotonic() + 10
    while True:
        audit = json.loads(schakelctl("audit", args.referral_id, "--state-dir", args.state_dir, "--json"))
        disclosed = [e for e in audit["events"] if e["event"] == "disclosed"]
        expected = [(in_words(e["at"]), name_of[organisation_of[e["principal"]]]) for e in disclosed]
        rows = driver.find_elements(By.CSS_SELECTOR, "table.disclosures tbody tr")
        shown = [tuple(td.text for td in row.find_elements(By.TAG_NAME, "td")[:2]) for row in rows]
        if disclosed and shown == expected:
            return len(disclosed)
        if time.monotonic() > deadline:
            raise StepFailed(f"the page's disclosures {shown} are not the audit's {expected}")
        time.sleep(0.3)
        citizen_page()


try:
    step("the login page lists the demo contacts")
    go("/login")
    check("Anna Visser" in body() and "Bram" in body(), "the dev login lists the contacts")
    shot("login")
    fits(390)

    step("the citizen opens their page with the code: we are looking for someone")
    go("/inwoner")
    check(driver.find_element(By.ID, "code").get_attribute("autocomplete") == "off", "no autocomplete on the code")
    shot("inwoner-code")
    fits(390)
    page = citizen_page()
    check("Uw aanvraag" in page and "Doorverwezen door Huisartsenpraktijk De Brug op ma 23 nov." in page,
          f"the status page: {page}")
    check("We zoeken iemand voor u." in card("Schulden").text, "debt: searching")
    check("We zoeken iemand voor u." in card("Wonen").text, "housing: searching")
    check("alle organisaties op de sociale kaart van de regio" in page, "the consent: everyone on the map")
    offered = disclosures_match_the_audit()
    shot("inwoner-aangeboden")
    fits(390)

    step("Anna sees the debt offer, without who the citizen is")
    login("Anna Visser")
    wait_for("/aanbod", "Schulden")
    page = body()
    check(args.citizen not in driver.page_source, "the offer page never names the citizen")
    check(args.citizen_phone not in driver.page_source, "the offer page never shows the citizen's phone")
    check("Huisartsenpraktijk De Brug" in page, "the offer names the referring organisation")
    check("vóór " in page and ("werkdag" in page or "uur" in page), f"the deadline in words: {page}")
    check("Utrecht" in page, "the municipality by name")
    check(driver.execute_script("return document.querySelector('meta[http-equiv]')") is None, "no meta refresh")
    shot("aanbod")
    fits(390)
    fits(640)

    step("Anna takes it with the keyboard alone and sees the citizen's details")
    take = [b for b in driver.find_elements(By.TAG_NAME, "button") if b.text == "Aannemen"][0]
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    for _ in range(40):
        if driver.switch_to.active_element == take:
            break
        driver.switch_to.active_element.send_keys(Keys.TAB)
    check(driver.switch_to.active_element == take, "the take button is reachable with Tab")
    outline = driver.execute_script("return getComputedStyle(document.activeElement).outlineStyle")
    check(outline not in ("none", ""), f"the focused button shows a focus ring ({outline})")
    navigate(lambda: driver.switch_to.active_element.send_keys(Keys.ENTER))
    page = body()
    check("U hebt de vraag aangenomen." in page, f"the take is confirmed: {page}")
    check(args.citizen in page and args.citizen_phone in page, "the case page shows the citizen's name and phone")
    check("Neem contact op met de inwoner" in page, "what happens next: first contact")
    shot("zaak")
    fits(390)

    step("the English switch")
    click("English")
    check("What next?" in body() and driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en",
          "the page in English")
    click("Nederlands")
    check("Wat nu?" in body(), "back in Dutch")
    logout()

    step("the citizen sees that Anna helps, her direct line and by when she will call")
    page = citizen_page()
    debt = card("Schulden").text
    check("Anna Visser" in debt and "Schuldhulpverlening Utrecht" in debt and "+31 30 000 1001" in debt,
          f"who helps: {debt}")
    check("Zij nemen contact met u op vóór ma 30 nov 10:00." in debt, f"by when, in words: {debt}")
    check(driver.find_elements(By.CSS_SELECTOR, "a[href='tel:+31300001001']"), "the phone is a tel: link")
    check("Anna Visser van Schuldhulpverlening Utrecht neemt contact met u op vóór ma 30 nov 10:00." in page,
          "what happens next")
    check(disclosures_match_the_audit() > offered, "Anna's view of the details is listed")
    check("Uw naam en hoe ze u kunnen bereiken" in body(), "the details disclosure in words")
    shot("inwoner-aangenomen")
    fits(390)
    click("English")
    check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en", "the citizen's page in English")
    check("They will contact you before Mon 30 Nov 10:00." in body(), f"English: {body()}")
    click("Nederlands")
    check("Zij nemen contact met u op" in body(), "back in Dutch")

    step("Bram declines the housing need")
    login("Bram Jansen")
    wait_for("/aanbod", "Wonen")
    click("Afwijzen", tag="a")
    shot("afwijzen")
    driver.find_element(By.CSS_SELECTOR, "input[value=capacity]").click()
    click("Afwijzen")
    check("U hebt het aanbod afgewezen" in body(), f"the decline is confirmed: {body()}")
    logout()

    step("Carla gets it, takes it and records first contact")
    login("Carla Nowak")
    wait_for("/aanbod", "Wonen")
    click("Aannemen")
    check(args.citizen in body(), "Carla sees the citizen after taking it")
    driver.find_element(By.ID, "kanaal").send_keys("Telefoon")
    click("Contact vastleggen")
    check("Het contact is vastgelegd." in body(), f"first contact recorded: {body()}")
    check("U hebt contact gehad met de inwoner." in body(), "the case says contact was made")
    go("/zaken")
    check("Wonen" in body(), "Carla's case is listed")
    shot("zaken")
    logout()

    step("the citizen sees that Carla reached them")
    citizen_page()
    housing = card("Wonen").text
    check("Carla Nowak" in housing and "U hebt contact gehad op ma 23 nov." in housing, f"contact made: {housing}")
    shot("inwoner-contact")

    step("eight weeks later the citizen answers 'Bent u geholpen?'")
    advance("P8W")
    citizen_page()
    debt = card("Schulden")
    check("Bent u geholpen?" in debt.text, f"nazorg asks the citizen too: {debt.text}")
    check("U kunt antwoorden tot" in body(), "until when, in what happens next")
    shot("inwoner-nazorg")
    debt.find_element(By.CSS_SELECTOR, "input[value=resolved]").click()
    click("Antwoord versturen", within=debt)
    check("Dank u wel. Uw antwoord is opgeslagen." in body(), f"the answer is saved: {body()}")
    check("Uw antwoord: Ja." in card("Schulden").text, "the answer shows instead of the question")

    step("eight weeks later Anna answers nazorg")
    login("Anna Visser")
    wait_for("/zaken", "Schakel vraagt wat de hulp heeft opgeleverd. Geef antwoord vóór")
    shot("zaken-nazorg")
    navigate(driver.find_element(By.PARTIAL_LINK_TEXT, "Open zaak").click)
    driver.find_element(By.CSS_SELECTOR, "input[value=resolved]").click()
    driver.find_element(By.ID, "toelichting").send_keys("Schuldregeling gestart.")
    shot("nazorg")
    click("Antwoord versturen")
    check("Uw antwoord is vastgelegd" in body(), f"the nazorg answer is recorded: {body()}")
    logout()

    step("a debt need nobody takes reaches the coordinator, who assigns it")
    schakelctl("submit", args.second_referral, "--as", "org:huisarts-de-brug", "--broker", args.broker,
               "--wait", "0.3")
    advance("P2D")
    login("Pieter van Dijk")
    wait_for("/coordinatie", "Niemand neemt het")
    check(args.citizen not in driver.page_source, "the coordinator's list names nobody")
    shot("coordinatie")
    fits(390)
    card = [a for a in driver.find_elements(By.TAG_NAME, "article") if "Niemand neemt het" in a.text][0]
    Select(card.find_element(By.TAG_NAME, "select")).select_by_visible_text("Anna Visser")
    click("Toewijzen", within=card)
    check("De vraag is aan uw collega aangeboden." in body(), f"the assignment is confirmed: {body()}")
    logout()

    step("Anna sees the assigned offer")
    login("Anna Visser")
    wait_for("/aanbod", "Schulden")
    logout()

    step("the citizen withdraws their consent, after a confirmation that says what it means")
    citizen_page()
    disclosures_match_the_audit()
    click("Toestemming intrekken")
    page = body()
    check("Toestemming intrekken?" in page and "We wissen uw gegevens." in page, f"what withdrawing means: {page}")
    shot("inwoner-intrekken")
    click("Ja, trek mijn toestemming in")
    check("Uw toestemming is ingetrokken" in body(), f"withdrawn: {body()}")
    shot("inwoner-ingetrokken")
    citizen_page()
    check("Deze code kennen we niet." in body(), f"the code no longer works: {body()}")

    step("Carla's open case is cancelled at the desk, in words")
    login("Carla Nowak")
    # Shown once, on the first page after the login (Aangeboden), then confirmed at the broker.
    if "De doorverwijzing (Wonen) is ingetrokken." not in body():
        wait_for("/aanbod", "De doorverwijzing (Wonen) is ingetrokken. Verwijder wat u van de inwoner hebt.")
    shot("geannuleerd")
    go("/zaken")
    check("Open zaak" not in body(), f"Carla holds nothing any more: {body()}")
    logout()
    print("walkthrough: every step passed", flush=True)
except StepFailed as failure:
    print(f"FAILED: {failure}", flush=True)
    if args.screenshots:
        driver.save_screenshot(os.path.join(args.screenshots, "failure.png"))
    sys.exit(1)
finally:
    driver.quit()
