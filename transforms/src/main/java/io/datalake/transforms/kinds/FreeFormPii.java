package io.datalake.transforms.kinds;

import java.util.List;

/**
 * The keys that hold personal data wherever they appear in free-form JSON, whose shape no vendor
 * publishes: journey and portal analytics {@code details} (whatever a journey's blocks or the
 * browser send), an epilot entity's attributes (each tenant defines its own schemas) and a workflow
 * execution's free-form parts (a task's portal settings, the values it syncs to entities). Named
 * paths cover the documented fields; these catch the same data under the names clients give it
 * ({@code phoneNumber}, {@code userEmail}, {@code ips}, {@code "First Name"}). Keys match folded
 * (any case, any word separator, see {@code PiiPath.fold}); a leading {@code *} matches the key's
 * end, so {@code *email} is also {@code billing_email}; one at both ends anywhere in the key. A
 * key's qualifier is set aside too ({@code phone_1}, {@code "Phone (optional)"}, {@code "E-Mail*"}:
 * {@code PiiPath.unqualified}). A flag a search finds stays, as a boolean or text ({@code
 * is_mobile}, {@code "sec-ch-ua-mobile": "?0"}: a device flag, not a number).
 *
 * <p>Deliberately not here, for what they would take from analysts or hit by accident: {@code *ip}
 * ({@code zip}, {@code relationship}), {@code *name} (a journey's or step's name), {@code city} and
 * {@code country} on their own (an address under one of the address keys is encrypted whole, city
 * included).
 */
final class FreeFormPii {
  private FreeFormPii() {}

  static final List<String> KEYS =
      List.of(
          // Contact
          "*email",
          "*emails",
          "mail",
          "*phone",
          "*phones",
          "*phonenumber",
          "*phonenumbers",
          "*mobilenumber",
          "*mobile",
          "mobil",
          "*mobilnummer",
          "*handynummer",
          "cell",
          "*telefon",
          "*telefonnummer",
          // "Telefonnummer (mobil)", telefonnummer_privat (not Telefonie, a tariff's option)
          "telefonnummer*",
          "*telefonnr",
          "*rufnummer",
          "*mobilfunknummer",
          "*festnetznummer",
          "*mobileno",
          "*phoneno",
          "handy",
          "*fax",
          "tel",
          // Network
          "ip",
          "ips",
          "ipv4",
          "ipv6",
          "remoteip",
          "userip",
          "ipaddr",
          "remoteaddr",
          "*forwardedfor",
          // The standard header (RFC 7239: for=198.51.100.7) and a response's cookies
          "forwarded",
          "setcookie",
          "*ipaddress",
          "*ipaddresses",
          "*useragent",
          // Client address headers that proxies and API gateways pass on (API Gateway's sourceIp)
          "sourceip",
          "xrealip",
          "cfconnectingip",
          // true-client-ip, x-client-ip, fastly-client-ip, x-cluster-client-ip
          "*clientip",
          "visitorip",
          "*loginip",
          // Names
          "*firstname",
          "*middlename",
          "*lastname",
          "*fullname",
          "*surname",
          "givenname",
          "familyname",
          "forename",
          "*vorname",
          // "Vor- und Nachname", kontaktnachname
          "*nachname",
          "*customername",
          "*contactname",
          "*contactperson",
          "*ansprechpartner",
          // "Ansprechpartner vor Ort", ansprechpartner_name (not ansprechpartner_id: it joins)
          "ansprechpartnervorort",
          "*ansprechpartnername",
          "*kundenname",
          "namedeskunden",
          // The name of a person-shaped object: {"customer": {"name": ...}} (not every name: a
          // journey's, a step's, a product's)
          "customer.name",
          "kunde.name",
          "contact.name",
          "kontakt.name",
          "person.name",
          "*receivername",
          "*username",
          // Birth (customer_birthdate, kunden_geburtsdatum, geburtsdatum_kunde)
          "*birthdate",
          "*birthday",
          "*dateofbirth",
          "*dob",
          "*geburtsdatum",
          "geburtsdatum*",
          "*geburtstag",
          "geburtsort",
          "*placeofbirth",
          "birthplace",
          // Address
          "*address",
          "*addresses",
          "*adresse",
          "*anschrift",
          "*street",
          "*streetname",
          // address_line1, addressLine2 (their numbers are a qualifier, see PiiPath)
          "*addressline",
          "*strasse",
          "*straße",
          "*housenumber",
          "*streetnumber",
          "*hausnummer",
          // Hausnr, "Hausnr."
          "*hausnr",
          // Coordinates: where a device or a browser says the person is (location: {lat, lng}),
          // an address's geocode; also a map's centre or a store's, which cannot be told apart
          "latitude",
          "longitude",
          "lat",
          "lng",
          "lon",
          // Bank, cards, identity, secrets
          "*iban",
          "*ibannumber",
          "*ibanno",
          "*kontonummer",
          "*bankaccount",
          "*bankaccountnumber",
          "*cardnumber",
          "creditcard",
          "cvv",
          "cvv2",
          "cvc",
          "*accountowner",
          "*accountholder",
          "*accountholdername",
          "*ibanholder",
          "*cardholder",
          "*cardholdername",
          "*kontoinhaber",
          "taxid",
          "ssn",
          // Identity documents and tax numbers under German and Brazilian names (Steuer-ID,
          // Steuernummer, a Personalausweis's or a passport's number, a CPF)
          "*steuerid",
          "*steuernummer",
          "*steueridentifikationsnummer",
          "*ausweisnummer",
          "personalausweis",
          "*passnummer",
          "*passportnumber",
          "*socialsecuritynumber",
          "*sozialversicherungsnummer",
          "*cpf",
          "*password",
          "*passwort",
          "*accesstoken",
          "idtoken",
          "*refreshtoken",
          "*authtoken",
          "*sessiontoken",
          "*apitoken",
          "*apikey",
          "jwt",
          "*privatekey",
          // clientSecret, secretAccessKey, secret_key (not secretary, client_secret_expires_at)
          "*secret",
          "*secretkey",
          "*secretaccesskey",
          "*secretvalue",
          "authorization",
          "cookie");

  /** The paths that find {@link #KEYS} at any depth under {@code prefix} ("" for the record). */
  static List<String> under(String prefix) {
    return KEYS.stream().map(key -> prefix + "**." + key).toList();
  }
}
