package io.datalake.transforms.pii;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;

import org.junit.Test;

/** What is taken for an e-mail address in text, and that no text makes the scan slow. */
public class EmailAddressesTest {
  @Test
  public void addressesAreFoundInsideText() {
    for (String text :
        new String[] {
          "ignatius.plumtree@probe.example",
          "write to notes.person+x@mail.example.org, thanks",
          "mailto:Ana@Example.DE",
          "o'brien@example.ie",
          "jürgen@müller.de",
          "user@163.com",
          "trailing dot a@b.example.org.",
          "https://x.example/login?email=max.mustermann%40example.com",
          "https://shop.example.com/account/max.mustermann@example.com/orders"
        }) {
      assertThat(text, EmailAddresses.in(text), equalTo(true));
    }
  }

  @Test
  public void otherUsesOfTheAtSignAreNot() {
    for (String text :
        new String[] {
          "@plumtree",
          "admin@localhost",
          "5@3",
          "a@b.c",
          "x@-bad.com",
          "https://cdn.example.com/img/logo@2x.png",
          "hero@2x.png",
          "journey-app@2.14.0.beta",
          "price @ 5.00",
          "@",
          ""
        }) {
      assertThat(text, EmailAddresses.in(text), equalTo(false));
    }
  }

  @Test
  public void noTextMakesTheScanSlow() {
    StringBuilder letters = new StringBuilder();
    letters.append("a".repeat(500_000)).append('@').append("b".repeat(500_000));
    StringBuilder dots = new StringBuilder("see x@");
    dots.append("1.".repeat(400_000));
    StringBuilder ats = new StringBuilder();
    ats.append("a@".repeat(300_000));
    String encoded = "x%3D".repeat(200_000) + "@host";
    for (String text :
        new String[] {letters.toString(), dots.toString(), ats.toString(), encoded}) {
      long start = System.nanoTime();
      EmailAddresses.in(text);
      long millis = (System.nanoTime() - start) / 1_000_000;
      // Linear: a few ms per MB here; a backtracking pattern took seconds on a fiftieth of this.
      assertThat(millis, lessThan(2_000L));
    }
  }
}
