"""Pages a news site's crawl meets that are not articles: a reader forum thread, a shop's product page,
a help-centre answer, documentation, a subscription offer, a local business's service page. Written for the tests as the common
platforms mark them up (phpBB and Discourse, Shopify, Zendesk, Sphinx, a paywall vendor's offer page, a WordPress
theme);
no corpus page is copied here.
"""

from __future__ import annotations

import json

FORUM_POSTS = [
    ("harbour_watcher", "Does anyone know when the night ferry will run again? The timetable on the council site "
                        "still shows the winter schedule and nobody at the terminal could tell me anything."),
    ("mjensen", "I asked at the ticket office on Tuesday. They said the repairs on the ramp should be done by the "
                "end of the month, but they have said that before, so I would not count on it."),
    ("portside_pete", "There was a notice in the Herald last week saying April at the earliest. The contractor found "
                      "more damage under the old quay than they expected when they started."),
    ("lucyb", "Thanks all. I will take the bus round by the bridge for now, it adds forty minutes but at least "
              "it runs. If anyone hears anything official please post it here."),
    ("harbour_watcher", "Will do. Marking this as solved for now, I will update the thread when the new timetable "
                        "is out. Thanks for the replies everyone, much appreciated."),
]


def forum_thread() -> tuple[str, str]:
    """A phpBB thread on a newspaper's reader forum."""
    posts = "".join(
        f'<div id="p{1000 + n}" class="post bg{n % 2 + 1}"><div class="inner"><div class="postbody">'
        f'<h3><a href="#p{1000 + n}">Re: Night ferry timetable</a></h3>'
        f'<p class="author"><a href="./memberlist.php?mode=viewprofile&amp;u={40 + n}" class="username">{user}</a> '
        f'&raquo; <time datetime="2024-03-0{n + 1}T1{n}:20:00+00:00">Mar 0{n + 1}, 2024 1{n}:20</time></p>'
        f'<div class="content">{text}</div></div>'
        f'<dl class="postprofile"><dt><a href="./memberlist.php?mode=viewprofile&amp;u={40 + n}">{user}</a></dt>'
        f'<dd><strong>Posts:</strong> {12 * (n + 3)}</dd><dd><strong>Joined:</strong> 2019</dd></dl>'
        f'<div class="post-buttons"><a href="./posting.php?mode=quote&amp;p={1000 + n}">Quote</a></div></div></div>'
        for n, (user, text) in enumerate(FORUM_POSTS))
    html = (f'<html lang="en-gb"><head><title>Night ferry timetable - Riverside Herald Reader Forum</title></head>'
            f'<body id="phpbb"><div class="navbar"><a href="./index.php">Board index</a> &lsaquo; '
            f'<a href="./viewforum.php?f=3">Local transport</a></div>'
            f'<h2 class="topic-title"><a href="./viewtopic.php?t=512">Night ferry timetable</a></h2>'
            f'<div class="action-bar"><a href="./posting.php?mode=reply&amp;t=512" class="button">Post Reply</a>'
            f'<div class="pagination">5 posts</div></div>{posts}'
            f'<div class="action-bar"><a href="./posting.php?mode=reply&amp;t=512">Post Reply</a></div>'
            f'<div class="copyright">Powered by phpBB</div></body></html>')
    return "https://forum.riverside-herald.com/viewtopic.php?t=512", html


def discourse_topic() -> tuple[str, str]:
    """A Discourse topic (its no-script HTML) on a publisher's community site."""
    posts = "".join(
        f'<div class="topic-body crawler-post" itemprop="comment" itemscope itemtype="http://schema.org/Comment">'
        f'<div class="crawler-post-meta"><span class="creator" itemprop="author" itemscope '
        f'itemtype="http://schema.org/Person"><a itemprop="url" href="/u/{user}"><span itemprop="name">{user}</span>'
        f'</a></span><time itemprop="datePublished" datetime="2024-05-0{n + 1}T08:00:00Z" class="post-time">'
        f'May {n + 1}, 2024</time></div><div class="post" itemprop="text"><p>{text}</p></div></div>'
        for n, (user, text) in enumerate(FORUM_POSTS))
    data = {"@context": "http://schema.org", "@type": "DiscussionForumPosting", "headline": "Night ferry timetable",
            "author": {"@type": "Person", "name": "harbour_watcher"}, "datePublished": "2024-05-01T08:00:00Z"}
    html = (f'<html lang="en"><head><title>Night ferry timetable - Local transport - Herald Community</title>'
            f'<script type="application/ld+json">{json.dumps(data)}</script></head><body>'
            f'<header><a href="/">Herald Community</a></header><div id="main-outlet" class="wrap">'
            f'<h1><a href="/t/night-ferry-timetable/512">Night ferry timetable</a></h1>{posts}</div>'
            f'<footer><a href="/tos">Terms of Service</a></footer></body></html>')
    return "https://community.riverside-herald.com/t/night-ferry-timetable/512", html


def product_page() -> tuple[str, str]:
    """A Shopify product page in a newspaper's shop (a book of its photographs)."""
    data = {"@context": "https://schema.org", "@type": "Product", "name": "The River Years: 100 Herald Photographs",
            "offers": {"@type": "Offer", "price": "34.99", "priceCurrency": "USD",
                       "availability": "https://schema.org/InStock"}}
    html = (f'<html lang="en"><head><title>The River Years: 100 Herald Photographs &ndash; Herald Store</title>'
            f'<meta property="og:type" content="product"><script type="application/ld+json">{json.dumps(data)}'
            f'</script></head><body><header class="site-header"><a href="/">Herald Store</a>'
            f'<a href="/cart">Cart (0)</a></header><main><div class="product__info-wrapper">'
            f'<h1 class="product__title">The River Years: 100 Herald Photographs</h1>'
            f'<div class="price"><span class="price-item">$34.99 USD</span> <s>$44.99 USD</s></div>'
            f'<form action="/cart/add" method="post"><select name="id"><option>Hardcover</option></select>'
            f'<input type="number" name="quantity" value="1"><button type="submit" name="add">Add to cart</button>'
            f'</form><div class="product__description rte"><p>A century of life on the river, told in one hundred '
            f'photographs from the Herald archive, many of them printed here for the first time since they ran.</p>'
            f'<p>Hardcover, 240 pages, 30 x 24 cm. Ships in 3 to 5 business days; free shipping on orders over $50.'
            f'</p><ul><li>Foreword by the editor</li><li>Printed on archival paper</li></ul></div></div></main>'
            f'<footer>&copy; Herald Store</footer></body></html>')
    return "https://store.riverside-herald.com/products/the-river-years-100-herald-photographs", html


def help_answer() -> tuple[str, str]:
    """A Zendesk help-centre answer about a subscription."""
    steps = "".join(f"<li>{s}</li>" for s in ["Sign in at riverside-herald.com with your email address.",
                                              "Open Account, then Subscription.", "Choose Pause delivery and pick "
                                              "the dates you are away.", "Select Confirm. You will get an email."])
    html = (f'<html lang="en-us"><head><title>How do I pause my newspaper delivery? &ndash; Herald Help Center</title>'
            f'</head><body><header class="header"><a href="/hc/en-us">Herald Help Center</a>'
            f'<form role="search"><input type="search" name="query"><input type="submit" value="Search"></form></header>'
            f'<nav class="sub-nav"><ol class="breadcrumbs"><li><a href="/hc/en-us">Herald Help Center</a></li>'
            f'<li><a href="/hc/en-us/categories/1">Subscriptions</a></li></ol></nav>'
            f'<article class="article"><header class="article-header"><h1 class="article-title">How do I pause my '
            f'newspaper delivery?</h1><div class="article-meta">Updated <time datetime="2024-02-01T10:00:00Z">'
            f'February 1, 2024</time></div></header><div class="article-body"><p>You can pause home delivery for '
            f'up to four weeks at a time, and your digital access continues while the paper is paused.</p>'
            f'<ol>{steps}</ol><p>Still need help? Contact our customer care team.</p></div>'
            f'<footer><div class="article-votes"><span>Was this article helpful?</span><button>Yes</button>'
            f'<button>No</button></div></footer></article><section class="related-articles"><h3>Related articles</h3>'
            f'<ul><li><a href="/hc/en-us/articles/2">How do I cancel?</a></li></ul></section></body></html>')
    return "https://help.riverside-herald.com/hc/en-us/articles/360001234-How-do-I-pause-my-newspaper-delivery", html


def documentation_page() -> tuple[str, str]:
    """Sphinx documentation of a newsroom's open-source tool."""
    code = ('<div class="highlight-python"><pre><span class="kn">from</span> heraldfeeds <span class="kn">import'
            '</span> Feed\nfeed = Feed("https://riverside-herald.com/rss")\n<span class="k">for</span> item '
            '<span class="ow">in</span> feed.items(limit=10):\n    print(item.title, item.published)\n</pre></div>')
    html = (f'<html lang="en"><head><title>Reading a feed &mdash; heraldfeeds 2.1 documentation</title></head><body>'
            f'<div class="sphinxsidebar" role="navigation"><h3>Table of Contents</h3><ul>'
            f'<li><a href="index.html">Introduction</a></li><li><a href="feeds.html">Reading a feed</a></li>'
            f'<li><a href="api.html">API reference</a></li></ul></div><div class="body" role="main">'
            f'<section id="reading-a-feed"><h1>Reading a feed</h1><p>A <code>Feed</code> reads an RSS or Atom '
            f'document and yields its items in the order the publisher listed them, newest first.</p>{code}'
            f'<section id="options"><h2>Options</h2><p>Pass <code>limit</code> to stop early and '
            f'<code>since</code> to skip items older than a date.</p><dl class="py method"><dt><code>'
            f'Feed.items(limit=None, since=None)</code></dt><dd><p>Yield the feed&#8217;s items.</p></dd></dl>'
            f'</section></section></div><div class="footer">&copy; Riverside Herald Digital.</div></body></html>')
    return "https://docs.riverside-herald.com/heraldfeeds/en/latest/feeds.html", html


def subscription_offer() -> tuple[str, str]:
    """A paywall vendor's subscription offer page."""
    plans = "".join(
        f'<div class="plan-card"><h3>{name}</h3><p class="price">{price}</p><ul>{perks}</ul>'
        f'<a class="button" href="/subscribe/checkout?plan={key}">Subscribe</a></div>'
        for key, name, price, perks in [
            ("digital", "Digital", "$1 for 4 weeks, then $15.99/month",
             "<li>Unlimited articles</li><li>The e-paper</li>"),
            ("print", "Print + Digital", "$8.99/week", "<li>Daily delivery</li><li>Everything in Digital</li>")])
    html = (f'<html lang="en"><head><title>Subscribe to the Riverside Herald</title>'
            f'<meta property="og:type" content="website"></head><body><header><a href="/">Riverside Herald</a></header>'
            f'<main><h1>Get unlimited access to the Riverside Herald</h1><p>Support local journalism and read every '
            f'story on any device. Cancel anytime.</p><div class="plans">{plans}</div><section class="faq"><h2>'
            f'Questions</h2><h4>Can I cancel anytime?</h4><p>Yes, online in your account, with no fee.</p></section>'
            f'</main><footer>&copy; Riverside Herald</footer></body></html>')
    return "https://www.riverside-herald.com/subscribe/", html


SERVICE_PARAGRAPHS = [
    "Moving house is stressful enough without worrying about your furniture. Our crews wrap, load and carry "
    "everything from a studio flat to a five-bedroom family home, and we bring our own blankets and dollies.",
    "Every move starts with a free survey. One of our estimators visits, or walks through your home with you on a "
    "video call, and gives you a fixed price in writing, so the bill on moving day is the bill you agreed to.",
    "We are fully licensed and insured for local and long-distance moves, and every crew member is one of our own "
    "employees: we never hand your belongings to a subcontractor you have not met.",
    "Need somewhere to keep things between homes? Our climate-controlled storage is ten minutes from the city "
    "centre, with monthly rates and no minimum term, and we move your things in and out for you.",
]


def service_page() -> tuple[str, str]:
    """A local business's service page (a WordPress theme): prose about the service under a menu and
    buttons asking for a quote, a call or a booking."""
    menu = ('<nav class="main-menu"><ul><li><a href="/">Home</a></li><li><a href="/residential-moving/">Residential'
            '</a></li><li><a href="/storage/">Storage</a></li><li><a href="/contact/">Contact Us</a></li>'
            '<li><a class="btn" href="/quote/">Get a Free Quote</a></li></ul></nav>')
    html = ('<html lang="en-US"><head><title>Residential Moving Services | Riverside Movers</title></head><body>'
            f'<header><a href="/">Riverside Movers</a>{menu}<a href="tel:+15550100">Call Now: (555) 0100</a></header>'
            '<main><h1>Residential Moving Services</h1>'
            + "".join(f"<p>{p}</p>" for p in SERVICE_PARAGRAPHS)
            + '<div class="cta"><a class="button" href="/quote/">Get a Quote</a> <button>Book Online</button>'
            '<a class="button" href="tel:+15550100">Call Us Today</a></div>'
            '<form action="/quote/"><input name="zip"><button type="submit">Get My Estimate</button></form></main>'
            '<footer><a href="/contact/">Contact us</a> <a href="/quote/">Request a Quote</a> '
            '<a href="/careers/">Careers</a></footer></body></html>')
    return "https://www.riverside-movers.com/residential-moving-services/", html


def not_article_pages() -> list[tuple[str, str, str]]:
    """(name, url, html) of each page."""
    return [(name, *make()) for name, make in (
        ("phpbb thread", forum_thread), ("discourse topic", discourse_topic), ("shopify product", product_page),
        ("zendesk answer", help_answer), ("sphinx documentation", documentation_page),
        ("subscription offer", subscription_offer), ("moving company's service page", service_page))]
