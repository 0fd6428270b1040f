package io.datalake.transforms.pii;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;

import org.junit.Test;

/** What is taken for a credential in a URL, and that no text makes the scan slow. */
public class UrlCredentialsTest {
  @Test
  public void credentialsInAQueryOrFragmentAreFound() {
    for (String text :
        new String[] {
          "https://portal.example.com/login?token=eyJhbGciOiJIUzI1NiJ9.e30.sig",
          "https://app.example.com/cb#access_token=ya29.a0AfH6&token_type=Bearer",
          "https://x.example/reset?lang=de&Password=hunter2",
          "/download/contract.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=3f9a0c",
          "https://x.example/?redirect=https%3A%2F%2Fy.example%2Fmagic%3Ftoken%3Dabc123",
          "https://x.example/a;jwt=abc.def.ghi",
          "?api_key=k-123",
          "token=RAWQ1&x=1",
          "https://x.example/users/password/edit?reset_password_token=Zx81",
          "https://x.example/?r=https%253A%252F%252Fy.example%252F%253Ftoken%253Dabc",
          "https://x.example/app;jsessionid=0AB12C",
          "/s3/doc.pdf?X-Amz-Credential=AKIA%2F20240101&X-Amz-Security-Token=FwoG",
          "https://x.example/login?password=$2a$10$abcdefghij",
          "https://x.example/login?token=<x",
          "user=max\npassword=hunter2"
        }) {
      assertThat(text, UrlCredentials.in(text), equalTo(true));
    }
  }

  @Test
  public void otherParametersAndTextAreNot() {
    for (String text :
        new String[] {
          "https://shop.example.com/cart?code=SUMMER24&utm_source=mail",
          "https://x.example/login?token=&next=%2Fhome",
          "https://x.example/docs/token=abc",
          "tokens=3",
          "https://x.example/login?token={{token}}&lang=de",
          "https://x.example/login?token=${token}",
          "https://x.example/login?token=%7B%7Btoken%7D%7D",
          "https://maps.example.com/staticmap?center=Berlin&key=AIza&signature=BASE64",
          "https://cdn.example.com/img.png?w=200&sig=abc123",
          "https://x.example/settings?show_password=true&has_token=false",
          "https://api.example.com/list?page_token=CAoQ&next_page_token=CBQQ",
          "a == b",
          "https://x.example/?tokenized=yes&secretary=1",
          "https://x.example/?key=sort-by-date",
          "=",
          "%3D%3F%26"
        }) {
      assertThat(text, UrlCredentials.in(text), equalTo(false));
    }
  }

  /** Long runs of name characters and of = do not make the scan quadratic. */
  @Test
  public void theScanIsBounded() {
    String runOfNames = "?" + "a".repeat(1_000_000) + "=x";
    String runOfEquals = "?x" + "=".repeat(1_000_000);
    String encoded = "%3Fa".repeat(200_000);
    long start = System.nanoTime();
    for (String text : new String[] {runOfNames, runOfEquals, encoded}) {
      assertThat(UrlCredentials.in(text), equalTo(false));
    }
    assertThat((System.nanoTime() - start) / 1_000_000, lessThan(2_000L));
  }
}
