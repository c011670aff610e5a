use super::*;

/// A reply from Ana Pérez with `body` as its plain text.
fn reply(body: &str) -> Read {
    reply_with("Re: Circular 30", "text/plain", body)
}

fn reply_with(subject: &str, content_type: &str, body: &str) -> Read {
    let raw = format!(
        "From: Ana Pérez <ana.perez@city.example.org>\r\n\
         To: circulars+c030.x@reply.example.org\r\nSubject: {subject}\r\n\
         MIME-Version: 1.0\r\nContent-Type: {content_type}; charset=utf-8\r\n\r\n{body}"
    );
    crate::inbound::read::read(raw.as_bytes())
}

fn attendee(name: &str, position: &str, email: &str) -> Attendee {
    Attendee {
        name: name.into(),
        position: position.into(),
        email: email.into(),
    }
}

fn kinds(body: &str) -> Vec<ReplyKind> {
    let mut kinds = understand(&reply(body)).kinds;
    kinds.sort();
    kinds
}

#[test]
fn a_plain_yes_registers_the_member_in_any_language() {
    for body in [
        "I will attend.\n\nBest regards,\nAna Pérez\n",
        "Je participerai avec plaisir.\n\nCordialement,\nAna\n",
        "Confirmo mi asistencia.\n\nSaludos,\nAna\n",
        "confirmo mi asistencia\n",
    ] {
        let understood = understand(&reply(body));
        assert_eq!(understood.kinds, vec![ReplyKind::Registration], "{body}");
        assert!(understood.itself, "{body}");
        assert!(understood.attendees.is_empty(), "{body}");
        assert!(!understood.needs_review(), "{body}");
    }
}

#[test]
fn the_quoted_circular_never_counts() {
    let body = "Thanks, noted.\n\nOn Mon, 1 Sep 2014, UCLG <c@uclg.example.org> wrote:\n\
                > To register or ask a question, simply reply to this email.\n\
                > Could you reply by 24 October?\n> Unsubscribe: https://x.example.org/u\n";
    let understood = understand(&reply(body));
    assert_eq!(understood.kinds, vec![ReplyKind::Other]);
    assert!(understood.question.is_none());
}

#[test]
fn people_named_in_a_sentence_are_registered_with_their_positions() {
    let body = "Our deputy mayor Ana Pérez and her adviser Luis Ortiz (luis.ortiz@x.example.org) \
                will attend.\n\nKind regards,\nMarta Puig\n";
    let understood = understand(&reply(body));
    assert_eq!(understood.kinds, vec![ReplyKind::Registration]);
    assert_eq!(
        understood.attendees,
        vec![
            attendee("Ana Pérez", "deputy mayor", ""),
            attendee("Luis Ortiz", "adviser", "luis.ortiz@x.example.org"),
        ]
    );
}

#[test]
fn one_attendee_per_line_lists_are_read_with_any_separator() {
    let body = "Our delegation:\n\n\
                Ana Pérez – Deputy Mayor – ana@x.example.org\n\
                Luis Ortiz, Head of Open Data (luis@x.example.org)\n\
                3. Dr. Marie Curie, Chief Scientist, <marie@x.example.org>;\n\n\
                Regards,\nAna\n";
    let understood = understand(&reply(body));
    assert_eq!(
        understood.attendees,
        vec![
            attendee("Ana Pérez", "Deputy Mayor", "ana@x.example.org"),
            attendee("Luis Ortiz", "Head of Open Data", "luis@x.example.org"),
            attendee("Marie Curie", "Chief Scientist", "marie@x.example.org"),
        ]
    );
    assert!(!understood.itself, "the sender is in the list");
}

#[test]
fn forms_are_read_in_any_order_and_blank_blocks_are_ignored() {
    let body = "Voici le formulaire :\n\n\
                Courriel : luc.martin@x.example.fr\nNom et prénom : Luc Martin\nFonction : Directeur\n\n\
                Nom et prénom : ____\nFonction :\nCourriel :\n\n\
                Nombre: Ana\nApellidos: García López\nCargo: Jefa de Servicio\nCorreo electrónico: ana@x.example.es\n";
    let understood = understand(&reply(body));
    assert_eq!(understood.kinds, vec![ReplyKind::Registration]);
    assert_eq!(
        understood.attendees,
        vec![
            attendee("Luc Martin", "Directeur", "luc.martin@x.example.fr"),
            attendee("Ana García López", "Jefa de Servicio", "ana@x.example.es"),
        ]
    );
}

#[test]
fn html_tables_are_read_by_their_header() {
    let html = "<p>Participants:</p><table><tr><th>E-mail</th><th>Nom</th><th>Poste</th></tr>\
                <tr><td><a href=\"mailto:l@x.example.org\">l@x.example.org</a></td><td>Léa Roux</td>\
                <td>Cheffe de projet</td></tr></table><p>Bien à vous,<br>Ana</p>";
    let understood = understand(&reply_with("RE: Circular 30", "text/html", html));
    assert_eq!(understood.kinds, vec![ReplyKind::Registration]);
    assert_eq!(
        understood.attendees,
        vec![attendee("Léa Roux", "Cheffe de projet", "l@x.example.org")]
    );
}

#[test]
fn the_signature_is_never_an_attendee() {
    let body = "Count me in.\n\nAna Pérez\nDeputy Mayor | City of Bilbao\nana.perez@city.example.org\n\
                Tel. +34 944 000 000\n";
    let understood = understand(&reply(body));
    assert_eq!(understood.kinds, vec![ReplyKind::Registration]);
    assert!(
        understood.attendees.is_empty(),
        "{:?}",
        understood.attendees
    );
    assert!(understood.itself);
}

#[test]
fn declines_are_told_from_registrations_by_their_negations() {
    for body in [
        "I will not attend, sorry.",
        "Sorry, we won't make it this time.",
        "Nous ne viendrons pas à Bilbao.",
        "No asistiremos a la reunión.",
        "Unfortunately nobody from our city is available on those dates.",
        "Désolé, je ne serai pas disponible à ces dates.",
        "Lamentamos no poder acompañarles en esta ocasión.",
        "Buenos días, por problemas de agenda no asistiré.",
        "Je suis désolée mais je serai en déplacement à ces dates.",
        "Hola, siento no poder estar con ustedes esta vez.",
        "We regret we will not be able to take part this year.",
    ] {
        assert_eq!(kinds(body), vec![ReplyKind::Declines], "{body}");
    }
}

#[test]
fn withdrawals_are_told_from_declines() {
    for body in [
        "Please cancel my registration.",
        "I will no longer be able to come to Bilbao.",
        "Merci d'annuler ma participation.",
        "Ya no podré asistir, por favor liberen mi plaza.",
        "I regret that I must withdraw from the meeting.",
        "Sorry, something came up and I need to cancel.",
    ] {
        assert_eq!(kinds(body), vec![ReplyKind::RegistrationCancel], "{body}");
    }
}

#[test]
fn a_replacement_registers_the_new_attendee_only() {
    let body = "Je ne pourrai pas venir ; ma collègue Léa Roux (lea.roux@x.example.fr) viendra à ma place.";
    let understood = understand(&reply(body));
    assert_eq!(understood.kinds, vec![ReplyKind::Registration]);
    assert!(!understood.itself);
    assert_eq!(
        understood.attendees,
        vec![attendee("Léa Roux", "", "lea.roux@x.example.fr")]
    );
}

#[test]
fn questions_keep_the_members_own_words() {
    let understood = understand(&reply(
        "Hola, ¿qué tal?\n\nAsistiré. ¿Hay estacionamiento cerca de la sede?\n\nGracias,\nAna",
    ));
    assert_eq!(
        understood.kinds,
        vec![ReplyKind::Registration, ReplyKind::Question]
    );
    assert_eq!(
        understood.question.as_deref(),
        Some("¿Hay estacionamiento cerca de la sede?")
    );
    assert_eq!(understood.language, Some("es"));
    assert_eq!(
        kinds("The registration form does not open. Could you resend it?"),
        vec![ReplyKind::Question]
    );
    assert_eq!(
        kinds("Unfortunately the programme does not open. Could you resend it?"),
        vec![ReplyKind::Question]
    );
    for body in [
        "Is it possible to attend online",
        "I was wondering whether there is parking near the venue.",
        "Est-il possible de venir avec un collègue",
    ] {
        assert_eq!(kinds(body), vec![ReplyKind::Question], "{body}");
    }
}

#[test]
fn a_request_the_registration_fulfils_is_no_question() {
    let understood = understand(&reply("Could you please register me for the meeting?"));
    assert_eq!(understood.kinds, vec![ReplyKind::Registration]);
    assert!(understood.question.is_none());
    let understood = understand(&reply(
        "Could you please add my colleague Ana Ruiz (ana.ruiz@x.example.org) to the list?",
    ));
    assert_eq!(understood.kinds, vec![ReplyKind::Registration]);
    assert_eq!(
        understood.attendees,
        vec![attendee("Ana Ruiz", "", "ana.ruiz@x.example.org")]
    );
}

#[test]
fn thanks_and_promises_are_other() {
    for body in [
        "Many thanks for the information.",
        "Bien reçu, je vous confirmerai ma participation plus tard.",
        "Gracias, les confirmaremos la próxima semana.",
        "Je ne suis pas certain de pouvoir venir, je vous tiens informés.",
    ] {
        assert_eq!(kinds(body), vec![ReplyKind::Other], "{body}");
    }
}

#[test]
fn an_attached_form_is_a_registration_for_review() {
    let raw = "From: Ana <ana@city.example.org>\r\nTo: c@reply.example.org\r\nSubject: Re: Circular 30\r\n\
               MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
               --b\r\nContent-Type: text/plain\r\n\r\nPlease find attached.\r\n\
               --b\r\nContent-Type: application/pdf; name=\"registration-form.pdf\"\r\n\
               Content-Disposition: attachment; filename=\"registration-form.pdf\"\r\n\
               Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n";
    let understood = understand(&crate::inbound::read::read(raw.as_bytes()));
    assert_eq!(understood.kinds, vec![ReplyKind::Registration]);
    assert!(understood.needs_review());
}

#[test]
fn an_internal_forward_is_other() {
    let raw = "From: Ana <ana@city.example.org>\r\nTo: Luis <luis@city.example.org>\r\n\
               Cc: circulars+c030.x@reply.example.org\r\nSubject: FW: Circular 30\r\n\r\n\
               Luis, could you go to this?\r\n";
    let understood = understand(&crate::inbound::read::read(raw.as_bytes()));
    assert_eq!(understood.kinds, vec![ReplyKind::Other]);
}

#[test]
fn an_empty_reply_goes_to_review() {
    let understood = understand(&reply(""));
    assert_eq!(understood.kinds, vec![ReplyKind::Other]);
    assert!(understood.needs_review());
}

#[test]
fn intents_with_a_verb_of_coming_register() {
    for body in [
        "Yes, I'd be delighted to come.",
        "Nous comptons participer à la réunion.",
        "Con gusto voy a asistir.",
        "Je serai des vôtres !",
        "Please sign me up.",
        "Muy amables. Ahí estaremos.",
        "Great, see you in Bilbao!",
        "Oui, je viens. Merci !",
        "Confirmo.",
    ] {
        assert_eq!(kinds(body), vec![ReplyKind::Registration], "{body}");
    }
    assert_eq!(
        kinds("We would like to attend but we are waiting for the budget approval."),
        vec![ReplyKind::Other]
    );
}

#[test]
fn an_address_in_the_next_sentence_belongs_to_the_person_named() {
    let understood = understand(&reply(
        "Mr. John Smith, our Chief Information Officer, will represent the city. \
         His email is john.smith@city.example.org.",
    ));
    assert_eq!(
        understood.attendees,
        vec![attendee(
            "John Smith",
            "Chief Information Officer",
            "john.smith@city.example.org"
        )]
    );
    assert!(!understood.itself);
}

#[test]
fn a_quote_header_is_never_a_person() {
    let understood = understand(&reply(
        "Sure, I'll be there!\n\nOn Wed, 14 Nov 2018 08:14:43 -0200 John Doe <john@doe.example> wrote:\n> Hi\n",
    ));
    assert!(
        understood.attendees.is_empty(),
        "{:?}",
        understood.attendees
    );
    assert!(understood.itself);
}

#[test]
fn people_named_without_an_address_keep_the_position_said_around_them() {
    let understood = understand(&reply(
        "Participeront : M. Jean Dupont (directeur) et Mme Claire Martin (cheffe de projet).",
    ));
    assert_eq!(
        understood.attendees,
        vec![
            attendee("Jean Dupont", "directeur", ""),
            attendee("Claire Martin", "cheffe de projet", ""),
        ]
    );
    assert!(understood.needs_review() || understood.confidence < 0.9);
    let understood = understand(&reply(
        "Asistirán el concejal Pedro Gómez y la asesora María Ruiz.",
    ));
    assert_eq!(
        understood.attendees,
        vec![
            attendee("Pedro Gómez", "concejal", ""),
            attendee("María Ruiz", "asesora", ""),
        ]
    );
}

#[test]
fn the_register_links_subject_is_a_registration() {
    let understood = understand(&reply_with(
        "Inscripción – Circular 30",
        "text/plain",
        "Pedro Gómez, Director de TI, pgomez@city.example.org",
    ));
    assert_eq!(understood.kinds, vec![ReplyKind::Registration]);
    assert_eq!(
        understood.attendees,
        vec![attendee(
            "Pedro Gómez",
            "Director de TI",
            "pgomez@city.example.org"
        )]
    );
    let understood = understand(&reply_with(
        "Re: Registration – Circular 30",
        "text/plain",
        "",
    ));
    assert_eq!(understood.kinds, vec![ReplyKind::Registration]);
    assert!(understood.itself);
}

#[test]
fn a_colleague_said_to_join_is_registered_too() {
    let understood = understand(&reply(
        "Yes, I will be there. My deputy, Dr. Ahmed Khan, will also join us.",
    ));
    assert!(understood.itself);
    assert_eq!(
        understood.attendees,
        vec![attendee("Ahmed Khan", "deputy", "")]
    );
}

#[test]
fn numbered_and_bilingual_labels_and_addresses_first_are_read() {
    for body in [
        "Participant 1: Luc Martin\nPosition 1: Director\nEmail 1: luc@x.example.org\n",
        "Name / Nom: Luc Martin\nPosition / Fonction: Director\nE-mail / Courriel: luc@x.example.org\n",
        "Please register:\nluc@x.example.org - Luc Martin - Director\n",
        "please register:\nLuc Martin, Director, luc@x.example.org\n",
    ] {
        let understood = understand(&reply(body));
        assert_eq!(understood.kinds, vec![ReplyKind::Registration], "{body}");
        assert_eq!(
            understood.attendees,
            vec![attendee("Luc Martin", "Director", "luc@x.example.org")],
            "{body}"
        );
    }
}

#[test]
fn a_list_line_without_capitals_is_read_name_first() {
    let understood = understand(&reply(
        "please register\nluc martin, director, luc@x.example.org\n",
    ));
    assert_eq!(
        understood.attendees,
        vec![attendee("luc martin", "director", "luc@x.example.org")]
    );
}

#[test]
fn a_decline_governs_the_coming_it_names_in_the_same_clause() {
    for body in [
        "Regrettably nobody from Munich will be able to attend this time.",
        "Informo que la Municipalidad NO participará en esta oportunidad.",
        "La Municipalité ne pourra envoyer personne à Bilbao en novembre.",
        "Thanks - we'll have to pass on this one, sorry.",
    ] {
        assert_eq!(kinds(body), vec![ReplyKind::Declines], "{body}");
    }
    assert_eq!(
        kinds("I cannot attend, but our deputy mayor Ana Ruiz (ana.ruiz@x.example.org) will come."),
        vec![ReplyKind::Registration]
    );
}

#[test]
fn a_position_loses_the_sentence_words_around_it() {
    let body = "Asistirán nuestra Directora de Datos Abiertos, María Olvera \
                (maria.olvera@x.example.com), y el Subdirector de Trámites, Rodrigo Garza, \
                cuyo correo es rodrigo.garza@x.example.com.";
    let understood = understand(&reply(body));
    let positions: Vec<&str> = understood
        .attendees
        .iter()
        .map(|a| a.position.as_str())
        .collect();
    assert!(
        positions
            .iter()
            .all(|p| !p.contains("cuyo") && !p.starts_with("nuestra")),
        "{:?}",
        understood.attendees
    );
}

#[test]
fn a_position_whose_case_changes_its_length_does_not_panic() {
    // "İ" lowercases to two characters: cutting by the lowercased length would split one.
    let body = "Asistirá nuestra İlkay Directora, Ana Ruiz (ana.ruiz@x.example.org).";
    let understood = understand(&reply(body));
    assert_eq!(understood.kinds, vec![ReplyKind::Registration]);
    let _ = understand(&reply(
        "Vendrá İİİİ our x, Ana Ruiz (ana.ruiz@x.example.org).",
    ));
}

/// A reply saying `body`, with `file` attached as `name` of `content_type`.
fn with_attachment(body: &str, name: &str, content_type: &str, file: &[u8]) -> Read {
    use data_encoding::BASE64_MIME;
    let raw = format!(
        "From: Member <member@city.example.org>\r\nTo: c@reply.example.org\r\nSubject: Re: Circular 30\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
         --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n\
         --b\r\nContent-Type: {content_type}; name=\"{name}\"\r\n\
         Content-Disposition: attachment; filename=\"{name}\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
        BASE64_MIME.encode(file)
    );
    crate::inbound::read::read(raw.as_bytes())
}

#[test]
fn a_filled_in_form_attached_as_word_opendocument_pdf_or_text_is_read() {
    let cases: [(&str, &str, &[u8], Vec<Attendee>); 4] = [
        (
            "formulaire-inscription-bordeaux.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            include_bytes!("../../tests/fixtures/forms/formulaire-inscription-bordeaux.docx"),
            vec![
                attendee(
                    "Claire Martin",
                    "Adjointe au maire chargée du numérique",
                    "claire.martin@bordeaux.example.net",
                ),
                attendee(
                    "Paul Durand",
                    "Chargé de mission",
                    "paul.durand@bordeaux.example.net",
                ),
            ],
        ),
        (
            "formulario-inscripcion.odt",
            "application/vnd.oasis.opendocument.text",
            include_bytes!("../../tests/fixtures/forms/formulario-inscripcion.odt"),
            vec![attendee(
                "Ana García Uribe",
                "Teniente de alcaldesa",
                "ana.garcia@bilbao.example.org",
            )],
        ),
        (
            "registration-form-durban.pdf",
            "application/pdf",
            include_bytes!("../../tests/fixtures/forms/registration-form-durban.pdf"),
            vec![attendee(
                "Sipho Ndlovu",
                "Manager for Open Data and GIS",
                "sipho.ndlovu@durban.example.net",
            )],
        ),
        (
            "registration-form.en.txt",
            "text/plain; charset=utf-8",
            b"REGISTRATION FORM\n\nATTENDEE 1\n\nName: Grace Wanjiku\nPosition: Director of ICT\n\
              Organisation/City: Nairobi City County\nEmail: grace.wanjiku@nairobi.example.org\n",
            vec![attendee(
                "Grace Wanjiku",
                "Director of ICT",
                "grace.wanjiku@nairobi.example.org",
            )],
        ),
    ];
    for (name, content_type, file, expected) in cases {
        let understood = understand(&with_attachment(
            "Please find attached our registration form.",
            name,
            content_type,
            file,
        ));
        assert_eq!(
            understood.kinds,
            vec![ReplyKind::Registration],
            "{name}: {understood:?}"
        );
        assert_eq!(understood.attendees, expected, "{name}: {understood:?}");
        assert!(!understood.needs_review(), "{name}: {understood:?}");
    }
}

#[test]
fn a_colleague_named_in_prose_with_the_address_on_the_next_line_registers() {
    for (body, name, position, email) in [
        (
            "Happy to confirm that I'll be joining you in Bilbao on 6 and 7 November.\n\neThekwini would also like to send Sipho Ndlovu, our Head of Smart City Unit\n(sipho.ndlovu@durban.example.net), who leads the open data work we would\nlike to share in session 3.\n\nKind regards,\nThandiwe\n",
            "Sipho Ndlovu",
            "Head of Smart City Unit",
            "sipho.ndlovu@durban.example.net",
        ),
        (
            "Please put me down for Bilbao – both days.\n\nI'd also like to bring along our Data Analytics Lead, Tom Gallagher\n(tom.gallagher@melbourne.example.net<mailto:tom.gallagher@melbourne.example.net>).\n\nCheers,\n\nSarah Mitchell | Manager Smart City Office\n",
            "Tom Gallagher",
            "Data Analytics Lead",
            "tom.gallagher@melbourne.example.net",
        ),
    ] {
        let understood = understand(&reply(body));
        assert_eq!(
            understood.attendees,
            vec![attendee(name, position, email)],
            "{body}"
        );
        assert!(understood.itself, "{body}");
    }
}

#[test]
fn family_names_in_capitals_before_a_comma_stay_in_the_name() {
    let body = "Desde la Secretaría de Modernización inscribimos a:\n\nFERNÁNDEZ, Ignacio – Secretario de Modernización\nGÓMEZ DEL VALLE, Luciana – Directora de Gobierno Abierto – lgomezdelvalle@rosario.example.net\n\nSaludos cordiales,\nIgnacio Fernández\n";
    let understood = understand(&reply(body));
    assert_eq!(
        understood.attendees,
        vec![
            attendee("FERNÁNDEZ, Ignacio", "Secretario de Modernización", ""),
            attendee(
                "GÓMEZ DEL VALLE, Luciana",
                "Directora de Gobierno Abierto",
                "lgomezdelvalle@rosario.example.net"
            ),
        ]
    );
}

#[test]
fn taking_named_people_off_the_list_withdraws_them() {
    for body in [
        "A small change: Inês Carvalho will not be able to travel, so please take her off the list. My own participation is unchanged.\n\nThanks and see you in Bilbao,\nSérgio\n",
        "Merci de bien vouloir retirer M. Moussa Ndiaye de la liste des participants : il ne pourra finalement pas faire le déplacement.\n\nAmina\n",
        "Les escribo para solicitarles que den de baja de la lista de inscritos a Diego Suárez, quien no podrá viajar.\n\nJuliana\n",
        "We therefore have to pull out of the Bilbao meeting.\n\nPriya\n",
    ] {
        assert_eq!(kinds(body), vec![ReplyKind::RegistrationCancel], "{body}");
    }
    let polite = "Debo cancelar nuestra participación. Les agradecería liberar los cupos que teníamos reservados.\n\nSaludos\n";
    assert_eq!(kinds(polite), vec![ReplyKind::RegistrationCancel]);
}

#[test]
fn list_lines_with_slashes_semicolons_and_the_member_as_an_item_are_read() {
    let cases = [
        (
            "La Commune souhaite inscrire les deux personnes suivantes :\n\nAhmed Trabelsi / Directeur de l'informatique / ahmed.trabelsi@tunis.example.net\nLeïla Ben Salah / Ingénieure principale / leila.bensalah@tunis.example.net\n\nCordialement.\n",
            false,
            vec![
                attendee(
                    "Ahmed Trabelsi",
                    "Directeur de l'informatique",
                    "ahmed.trabelsi@tunis.example.net",
                ),
                attendee(
                    "Leïla Ben Salah",
                    "Ingénieure principale",
                    "leila.bensalah@tunis.example.net",
                ),
            ],
        ),
        (
            "Je participerai personnellement, accompagnée de :\n\nVan den Bossche, Pieter ; Conseiller au cabinet ; pieter.vdb@bruxelles.example.org\n\nCordialement\n",
            true,
            vec![attendee(
                "Van den Bossche, Pieter",
                "Conseiller au cabinet",
                "pieter.vdb@bruxelles.example.org",
            )],
        ),
        (
            "Seront présents :\n1) moi-même ;\n2) Mme Sophie de La Tour d'Auvergne, chargée de mission, s.delatour@bordeaux.example.net.\n\nBien à vous,\n",
            true,
            vec![attendee(
                "Sophie de La Tour d'Auvergne",
                "chargée de mission",
                "s.delatour@bordeaux.example.net",
            )],
        ),
        (
            "I will attend, together with:\n • Mrs. Abena Owusu-Ansah – Head, Citizen Services (she can only join on day 2) – abena@accra.example.net\n\nWarm regards,\n",
            true,
            vec![attendee(
                "Abena Owusu-Ansah",
                "Head, Citizen Services",
                "abena@accra.example.net",
            )],
        ),
        (
            "I will attend. I will be accompanied by Mr Sipho Ndlovu, Senior Manager: Systems Integration (sipho@durban.example.net).\n\nKind regards\n",
            true,
            vec![attendee(
                "Sipho Ndlovu",
                "Senior Manager: Systems Integration",
                "sipho@durban.example.net",
            )],
        ),
    ];
    for (body, itself, attendees) in cases {
        let understood = understand(&reply(body));
        assert_eq!(understood.attendees, attendees, "{body}");
        assert_eq!(understood.itself, itself, "{body}");
    }
}

#[test]
fn someone_named_after_the_last_address_of_a_sentence_is_registered_too() {
    let body = "Yo no podré desplazarme a Bilbao, pero asistirán Jordi Vilanova i Casals, Director de Servicios de Datos (jvilanova@barcelona.example.org), y Laia Ferrer Soler, Técnica de Gobierno Abierto.\n\nLaia os confirmará su correo directamente.\n\nSalutacions,\nMarta\n";
    let understood = understand(&reply(body));
    assert_eq!(
        understood.attendees,
        vec![
            attendee(
                "Jordi Vilanova i Casals",
                "Director de Servicios de Datos",
                "jvilanova@barcelona.example.org"
            ),
            attendee("Laia Ferrer Soler", "Técnica de Gobierno Abierto", ""),
        ]
    );
    assert!(!understood.itself);
}

#[test]
fn a_colleague_who_registers_in_the_first_person_comes_instead_of_the_member_greeted() {
    let raw = "From: =?utf-8?q?In=C3=AAs_Vasconcelos_S=C3=A1?= <ines.sa@lisboa.example.com>\r\n\
        To: circulars+c030.x@reply.example.org\r\nSubject: RE: FW: Circular 30\r\n\
        MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
        My colleague forwarded me your invitation. I would like to register myself.\r\n\r\n\
        Best regards,\r\nInês Vasconcelos Sá\r\nHead of Division for Participatory Budgeting\r\n\r\n\
        > Dear Sérgio Conceição,\r\n> With the aim of promoting knowledge sharing…\r\n";
    let understood = understand(&crate::inbound::read::read(raw.as_bytes()));
    assert_eq!(understood.kinds, vec![ReplyKind::Registration]);
    assert_eq!(
        understood.attendees,
        vec![attendee(
            "Inês Vasconcelos Sá",
            "Head of Division for Participatory Budgeting",
            "ines.sa@lisboa.example.com"
        )]
    );
    assert!(!understood.itself);
    // The member greeted writing "I will attend" from another address still comes.
    let member = raw
        .replace(
            "=?utf-8?q?In=C3=AAs_Vasconcelos_S=C3=A1?=",
            "Sergio Conceicao",
        )
        .replace(
            "Inês Vasconcelos Sá\r\nHead of Division",
            "Sérgio\r\nHead of Division",
        );
    let understood = understand(&crate::inbound::read::read(member.as_bytes()));
    assert!(understood.itself, "{understood:?}");
}

#[test]
fn positions_keep_their_brackets_as_written() {
    let understood = understand(&reply(
        "We will be represented by Ms Lerato Dube, Special Adviser (Governance and Innovation) \
         in the Office of the Deputy Mayor, lerato.dube@durban.example.net, and by \
         Mr Arjun Mehta, General Manager (IT & e-Governance), arjun.mehta@pune.example.org.",
    ));
    assert_eq!(
        understood.attendees,
        vec![
            attendee(
                "Lerato Dube",
                "Special Adviser (Governance and Innovation) in the Office of the Deputy Mayor",
                "lerato.dube@durban.example.net"
            ),
            attendee(
                "Arjun Mehta",
                "General Manager (IT & e-Governance)",
                "arjun.mehta@pune.example.org"
            ),
        ]
    );
}

#[test]
fn a_list_line_may_give_the_position_first() {
    let understood = understand(&reply(
        "Je serai présente, accompagnée de :\n\n\
         Conseiller principal, gouvernance des données : François-Xavier Bélanger (fx.belanger@montreal.example.org)\n\
         Cheffe de division (Services numériques) : Sophie d'Ursel (sophie.dursel@montreal.example.org)\n",
    ));
    assert_eq!(
        understood.attendees,
        vec![
            attendee(
                "François-Xavier Bélanger",
                "Conseiller principal, gouvernance des données",
                "fx.belanger@montreal.example.org"
            ),
            attendee(
                "Sophie d'Ursel",
                "Cheffe de division (Services numériques)",
                "sophie.dursel@montreal.example.org"
            ),
        ]
    );
    assert!(understood.itself);
}

#[test]
fn attendees_written_in_blocks_of_lines_are_read_to_the_last_one() {
    let understood = understand(&reply(
        "She has asked me to register the following two officials:\n\n\
         Sibusiso Ndlovu\nSenior Manager: Business Intelligence & Data\nsibusiso.ndlovu@durban.example.net\n\n\
         Anri von Wielligh-Botha\nICT Project Manager (e-Services)\n<anri.vonwielligh@durban.example.net>\n\n\
         Kind regards,\n\nLindiwe Khumalo\nPersonal Assistant\n",
    ));
    assert_eq!(
        understood.attendees,
        vec![
            attendee(
                "Sibusiso Ndlovu",
                "Senior Manager: Business Intelligence & Data",
                "sibusiso.ndlovu@durban.example.net"
            ),
            attendee(
                "Anri von Wielligh-Botha",
                "ICT Project Manager (e-Services)",
                "anri.vonwielligh@durban.example.net"
            ),
        ]
    );
}

#[test]
fn an_assistant_writing_that_the_member_comes_registers_the_member() {
    // Ana Pérez (the sender) writes for Françoise Lefèvre, whom the quoted circular greets.
    let quote = "\n\nLe 4 sept. 2014 à 10:00, CGLU a écrit :\n> Chère, cher Françoise Lefèvre,\n> \n> Nous avons le plaisir de vous inviter.\n";
    let understood = understand(&reply(&format!(
        "Bonjour,\n\nMadame Lefèvre participera à la réunion de Bilbao.\n\
         Elle sera accompagnée de :\n- M. Jean Martin, chef de projet, jean.martin@bordeaux.example.net\n{quote}"
    )));
    assert_eq!(
        understood.attendees,
        vec![attendee(
            "Jean Martin",
            "chef de projet",
            "jean.martin@bordeaux.example.net"
        )]
    );
    assert!(understood.itself, "{:?}", understood.reasons);
    let named = understand(&reply(&format!(
        "Buenos días:\n\nMe permito confirmar la participación de la Dra. Françoise Lefèvre, \
         Directrice du numérique, en la reunión de Bilbao.\n{quote}"
    )));
    assert!(named.attendees.is_empty(), "{:?}", named.attendees);
    assert!(named.itself, "{:?}", named.reasons);
}

#[test]
fn a_withdrawal_is_read_from_its_verb_and_what_it_takes_back() {
    for body in [
        "Kindly withdraw the registration of Mr. Yaw Boateng from our delegation.",
        "Merci de retirer l'inscription de M. Diop.",
        "Les pido anular el registro del Ing. Pérez.",
    ] {
        assert_eq!(kinds(body), vec![ReplyKind::RegistrationCancel], "{body}");
    }
    assert_eq!(
        kinds("We will not remove the names we sent: both will attend."),
        vec![ReplyKind::Registration]
    );
}

#[test]
fn someone_going_in_the_members_place_is_registered() {
    let understood = understand(&reply(
        "Unfortunately I won't be able to make it myself. My colleague Dr Hannah Brooks, our \
         Principal Adviser, will go in my place. Her email is hannah.brooks@x.example.org.",
    ));
    assert_eq!(understood.kinds, vec![ReplyKind::Registration]);
    assert!(!understood.itself);
    assert_eq!(
        understood.attendees,
        vec![attendee(
            "Hannah Brooks",
            "Principal Adviser",
            "hannah.brooks@x.example.org"
        )]
    );
    let represented = understand(&reply(
        "Empêché à cette date, je me ferai représenter par M. Serge Konan, Sous-directeur des \
         téléservices, joignable à l'adresse serge.konan@x.example.net.",
    ));
    assert_eq!(represented.kinds, vec![ReplyKind::Registration]);
    assert_eq!(
        represented.attendees,
        vec![attendee(
            "Serge Konan",
            "Sous-directeur des téléservices",
            "serge.konan@x.example.net"
        )]
    );
}

#[test]
fn the_writer_coming_with_others_keeps_a_seat() {
    for body in [
        "Lisbon will be represented by myself and two members of my team:\n\n\
         • Ms. Inês Santos – Head of Open Data – ines.santos@x.example.com\n",
        "J'ai l'honneur de vous confirmer ma participation, ainsi que celle d'un collègue :\n\n\
         - M. Ousmane Ndiaye, chargé de projet — ousmane.ndiaye@x.example.net\n",
        "Les confirmo que viajo a Bilbao. Conmigo van también:\n\n\
         * Carolina Benítez – Directora de Gobierno Abierto – cbenitez@x.example.net\n",
        "Asistiremos el Ing. Martín Silveira, Gerente de Sistemas (martin@x.example.org), y \
         quien suscribe.",
    ] {
        let understood = understand(&reply(body));
        assert_eq!(understood.kinds, vec![ReplyKind::Registration], "{body}");
        assert!(understood.itself, "{body}: {:?}", understood.reasons);
        assert_eq!(understood.attendees.len(), 1, "{body}");
    }
}

#[test]
fn others_who_cannot_travel_make_no_decline() {
    assert_eq!(
        kinds(
            "Quería consultar si las sesiones se podrán seguir por streaming, ya que parte del \
             equipo no podrá viajar."
        ),
        vec![ReplyKind::Question]
    );
    assert_eq!(
        kinds("Nous regrettons de ne pouvoir y donner une suite favorable."),
        vec![ReplyKind::Declines]
    );
    assert_eq!(
        kinds("Je vous reviens d'ici la fin du mois pour confirmer notre participation."),
        vec![ReplyKind::Other]
    );
}

#[test]
fn the_language_is_told_from_few_words() {
    assert_eq!(
        language::language(
            "Pour info — tu pourrais regarder si la session sur l'open data vaut le déplacement ?"
        ),
        Some("fr")
    );
    assert_eq!(
        language::language("Les informo que mi correo cambia; agradezco actualizar sus listas."),
        Some("es")
    );
}

#[test]
fn the_writer_coming_is_read_in_many_ways() {
    for body in [
        "I would be delighted to attend the meeting in Bilbao.",
        "I am pleased to attend.",
        "I plan to travel to Bilbao for the meeting.",
        "I'll be travelling to Bilbao with my colleague Ms Jane Roe (jane@x.example.org).",
        "I am coming, together with Ms Jane Roe (jane@x.example.org).",
        "Happy to confirm that I'll make it to Bilbao.",
        "Yes, I can make it.",
        "I'm in!",
        "We are two: myself and Ms Jane Roe (jane@x.example.org).",
        "Count on me and on Ms Jane Roe (jane@x.example.org).",
        "Je serai à Bilbao avec Mme Jeanne Roux (jeanne@x.example.org).",
        "Je compte me rendre à Bilbao.",
        "Je viendrai accompagné de Mme Jeanne Roux (jeanne@x.example.org).",
        "J'assisterai à la réunion.",
        "Nous serons deux : Mme Jeanne Roux (jeanne@x.example.org) et moi.",
        "Estaré en Bilbao con la Lic. Juana Ruiz (juana@x.example.org).",
        "Iré acompañado de la Lic. Juana Ruiz (juana@x.example.org).",
        "Tengo previsto viajar a Bilbao.",
        "Seremos dos: la Lic. Juana Ruiz (juana@x.example.org) y yo.",
        "Me complace confirmar mi asistencia junto con la Lic. Juana Ruiz (juana@x.example.org).",
        "Asistiré junto a la Lic. Juana Ruiz (juana@x.example.org).",
        "Cuenta conmigo.",
        "Sí, voy.",
        "Nos vemos en Bilbao.",
        "See you in Bilbao!",
        "On se voit à Bilbao !",
    ] {
        let understood = understand(&reply(body));
        assert_eq!(understood.kinds, vec![ReplyKind::Registration], "{body}");
        assert!(understood.itself, "{body}: {:?}", understood.reasons);
        let named = usize::from(body.contains('@'));
        assert_eq!(understood.attendees.len(), named, "{body}");
    }
}

#[test]
fn someone_else_coming_gives_the_writer_no_seat() {
    for body in [
        "I would like to register my colleague Ms Jane Roe (jane@x.example.org).",
        "Ms Jane Roe (jane@x.example.org), Head of Open Data, can only join on day 2.",
    ] {
        let understood = understand(&reply(body));
        assert!(!understood.itself, "{body}: {:?}", understood.reasons);
        assert_eq!(
            understood.attendees.len(),
            1,
            "{body}: {:?}",
            understood.attendees
        );
    }
}

#[test]
fn each_kind_is_read_from_varied_wording() {
    for (want, body) in [
        (
            "declines",
            "Regrettably, my schedule does not allow me to travel to Bilbao on those dates.",
        ),
        ("declines", "We will have to pass on this one."),
        ("declines", "I am afraid I won't be joining you in Bilbao."),
        ("declines", "Sadly none of us is available that week."),
        (
            "declines",
            "Our city will not be able to send a representative this time.",
        ),
        ("declines", "Mi agenda no me permite viajar en esas fechas."),
        (
            "declines",
            "Lamentablemente no contaremos con representación en esta ocasión.",
        ),
        (
            "declines",
            "Por compromisos previos, me será imposible asistir.",
        ),
        ("declines", "Nos resulta imposible desplazarnos a Bilbao."),
        (
            "declines",
            "Mon agenda ne me permet pas de me rendre à Bilbao.",
        ),
        ("declines", "Je ne serai malheureusement pas des vôtres."),
        (
            "declines",
            "Notre ville ne sera pas représentée cette fois-ci.",
        ),
        ("declines", "Il m'est impossible de me libérer à ces dates."),
        (
            "registration_cancel",
            "Due to unforeseen circumstances I must cancel my attendance.",
        ),
        (
            "registration_cancel",
            "Please take me off the list of participants.",
        ),
        (
            "registration_cancel",
            "I registered last week but can no longer travel; please free my place.",
        ),
        (
            "registration_cancel",
            "Je me vois contraint d'annuler ma venue à Bilbao.",
        ),
        ("registration_cancel", "Nous retirons notre inscription."),
        ("registration_cancel", "Les ruego dar de baja mi registro."),
        (
            "registration_cancel",
            "Por motivos de agenda debo cancelar mi participación.",
        ),
        ("question", "Is there a participation fee"),
        (
            "question",
            "I was wondering whether the sessions will be recorded.",
        ),
        ("question", "Could you tell me which hotel you recommend"),
        (
            "question",
            "We would appreciate information on visa support letters.",
        ),
        (
            "question",
            "Quisiera saber si habrá interpretación al español.",
        ),
        ("question", "Me gustaría conocer el costo de inscripción."),
        (
            "question",
            "Nous souhaiterions savoir si une lettre d'invitation peut être délivrée.",
        ),
        ("question", "Merci de m'indiquer les hôtels recommandés."),
        (
            "question",
            "Pourriez-vous me préciser l'adresse exacte du lieu",
        ),
        (
            "other",
            "Thank you, we have forwarded this to the relevant department.",
        ),
        ("other", "Bien reçu, nous reviendrons vers vous."),
        (
            "other",
            "Recibido, gracias. Lo comentamos internamente y les confirmamos.",
        ),
    ] {
        let want = match want {
            "declines" => vec![ReplyKind::Declines],
            "registration_cancel" => vec![ReplyKind::RegistrationCancel],
            "question" => vec![ReplyKind::Question],
            _ => vec![ReplyKind::Other],
        };
        assert_eq!(kinds(body), want, "{body}");
    }
}

#[test]
fn attendees_are_read_from_every_layout() {
    for body in [
        "We will attend with the following:\n\nName: Jane Roe\nPosition: Head of Open Data\nEmail: jane@x.example.org\n\nName: John Doe\nPosition: CIO\nEmail: john@x.example.org\n",
        "Attending from our side will be Ms. Jane Roe, Head of Open Data (jane@x.example.org) and Mr. John Doe, CIO (john@x.example.org).",
        "Please register Jane Roe <jane@x.example.org>, Head of Open Data.",
        "Participants:\n1) Jane Roe, Head of Open Data, jane@x.example.org\n2) John Doe, CIO, john@x.example.org\n",
        "Our delegation:\n\nJane Roe\nHead of Open Data\njane@x.example.org\n\nJohn Doe\nChief Information Officer\njohn@x.example.org\n",
        "Asistirán la Lic. Juana Ruiz, Directora de Datos Abiertos (juana@x.example.org), y el Ing. Pedro Gómez, Jefe de Sistemas (pedro@x.example.org).",
        "Participeront : Mme Jeanne Roux, directrice du numérique, jeanne@x.example.org ; M. Paul Dupont, chef de projet, paul@x.example.org.",
        "The city will be represented by Ms. Jane Roe (Head of Open Data, jane@x.example.org).",
        "Jane Roe (jane@x.example.org) - Head of Open Data - will attend.",
        "Kindly register our Deputy Mayor, Hon. Jane Roe. Her email address is jane@x.example.org.",
        "Nombre: Juana Ruiz\nCargo: Directora de Datos Abiertos\nCorreo electrónico: juana@x.example.org\n",
        "Nom et prénom : ROUX Jeanne\nFonction : Directrice du numérique\nCourriel : jeanne@x.example.org\n",
        "| Name | Position | Email |\n|---|---|---|\n| Jane Roe | Head of Open Data | jane@x.example.org |\n| John Doe | CIO | john@x.example.org |\n",
        "Name\tPosition\tEmail\nJane Roe\tHead of Open Data\tjane@x.example.org\nJohn Doe\tCIO\tjohn@x.example.org\n",
    ] {
        let understood = understand(&reply(body));
        assert_eq!(understood.kinds, vec![ReplyKind::Registration], "{body}");
        let people = body.matches('@').count();
        assert_eq!(
            understood.attendees.len(),
            people,
            "{body}: {:?}",
            understood.attendees
        );
        for attendee in &understood.attendees {
            assert!(
                !attendee.position.is_empty() && attendee.email.contains('@'),
                "{body}: {attendee:?}"
            );
        }
    }
}

#[test]
fn people_said_in_sentences_keep_their_positions_and_replacements_register() {
    for (body, want) in [
        (
            "Nuestra alcaldesa, la Sra. Juana Ruiz, asistirá acompañada de su asesor, el Sr. Pedro Gómez.",
            vec![
                attendee("Juana Ruiz", "alcaldesa", ""),
                attendee("Pedro Gómez", "asesor", ""),
            ],
        ),
        (
            "Notre maire, Mme Jeanne Roux, participera, accompagnée de son conseiller M. Paul Dupont.",
            vec![
                attendee("Jeanne Roux", "maire", ""),
                attendee("Paul Dupont", "conseiller", ""),
            ],
        ),
        (
            "Lamento no poder asistir; en mi representación viajará la Lic. Juana Ruiz (juana@x.example.org).",
            vec![attendee("Juana Ruiz", "", "juana@x.example.org")],
        ),
        (
            "Je ne pourrai être présent, mais Mme Jeanne Roux (jeanne@x.example.org) me représentera.",
            vec![attendee("Jeanne Roux", "", "jeanne@x.example.org")],
        ),
    ] {
        let understood = understand(&reply(body));
        assert_eq!(understood.kinds, vec![ReplyKind::Registration], "{body}");
        assert!(!understood.itself, "{body}");
        assert_eq!(understood.attendees, want, "{body}");
    }
    assert_eq!(
        kinds("La Lic. Juana Ruiz ya no viajará; les pido retirarla de la lista."),
        vec![ReplyKind::RegistrationCancel]
    );
    assert_eq!(
        kinds("Al final no podremos ir a Bilbao, la gerencia no aprobó el viaje."),
        vec![ReplyKind::Declines]
    );
}

#[test]
fn nominations_and_participants_register() {
    for body in [
        "Please find below the details of our participant: Ms Jane Roe, Head of Open Data, jane@x.example.org.",
        "Kindly note the participation of Ms Jane Roe (jane@x.example.org).",
        "We are sending Ms Jane Roe (jane@x.example.org) to represent the city.",
        "Ms Jane Roe (jane@x.example.org) has been designated to attend.",
        "We nominate Ms Jane Roe (jane@x.example.org).",
        "Hemos designado a la Lic. Juana Ruiz (juana@x.example.org) para participar.",
        "Le envío los datos de nuestra participante: Juana Ruiz, Directora, juana@x.example.org.",
        "La ciudad estará representada por la Lic. Juana Ruiz (juana@x.example.org).",
        "Nous avons désigné Mme Jeanne Roux (jeanne@x.example.org) pour nous représenter.",
        "Veuillez trouver ci-dessous les coordonnées de notre participante : Jeanne Roux, jeanne@x.example.org.",
        "Mme Jeanne Roux (jeanne@x.example.org) a été désignée pour participer à la réunion.",
        "I am glad to let you know that I'll be there.",
        "Sí, contamos con asistir.",
        "Nous y serons.",
        "We'd be happy to join.",
        "Yes please register me.",
        "Quiero inscribirme.",
        "Me interesa participar, por favor inscríbanme.",
    ] {
        assert_eq!(kinds(body), vec![ReplyKind::Registration], "{body}");
    }
}

#[test]
fn questions_without_their_mark_and_thanks_are_told_apart() {
    for (want, body) in [
        ("q", "Please advise on the nearest airport."),
        ("q", "Let us know if accommodation is covered."),
        ("q", "I would be grateful for details about the venue."),
        (
            "q",
            "Any information about the dress code would be welcome.",
        ),
        (
            "q",
            "Do let me know whether remote participation is foreseen.",
        ),
        ("q", "Pouvez-vous confirmer que le déjeuner est offert"),
        ("q", "Je souhaiterais obtenir le programme détaillé."),
        (
            "q",
            "Merci de bien vouloir nous faire parvenir une lettre d'invitation officielle.",
        ),
        ("q", "Favor de confirmar si el evento tiene costo."),
        ("q", "Agradeceré me envíen el programa definitivo."),
        ("q", "Necesitamos saber si hay traducción simultánea."),
        ("o", "Thanks, noted."),
        (
            "o",
            "Many thanks for the information, I have shared it with my team.",
        ),
        ("o", "Muchas gracias por la invitación, la revisaremos."),
        ("o", "Merci pour l'information."),
        ("o", "Acknowledged with thanks."),
        (
            "o",
            "I am out of the office until Monday; I will reply then.",
        ),
    ] {
        let want = if want == "q" {
            ReplyKind::Question
        } else {
            ReplyKind::Other
        };
        assert_eq!(kinds(body), vec![want], "{body}");
    }
}

#[test]
fn the_senders_block_after_a_list_is_a_signature() {
    let raw = "From: <ana.perez@city.example.org>\r\nTo: circulars+c030.x@reply.example.org\r\n\
               Subject: Re: Circular 30\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
               Please register:\r\n\r\nJane Roe\r\nHead of Open Data\r\njane@x.example.org\r\n\r\n\
               Ana Perez\r\nDirector\r\nana.perez@city.example.org\r\n";
    let understood = understand(&crate::inbound::read::read(raw.as_bytes()));
    assert_eq!(
        understood.attendees,
        vec![attendee(
            "Jane Roe",
            "Head of Open Data",
            "jane@x.example.org"
        )]
    );
}

#[test]
fn a_name_before_a_position_with_a_colon_stays_the_name() {
    let understood = understand(&reply(
        "I will attend, joined by:\n\n- Sipho Ndlovu, Senior Manager: Enterprise Architecture, \
         sipho@x.example.net\n- Lerato Khumalo, Open Data Specialist, lerato@x.example.net\n",
    ));
    assert_eq!(
        understood.attendees,
        vec![
            attendee(
                "Sipho Ndlovu",
                "Senior Manager: Enterprise Architecture",
                "sipho@x.example.net"
            ),
            attendee(
                "Lerato Khumalo",
                "Open Data Specialist",
                "lerato@x.example.net"
            ),
        ]
    );
}

#[test]
fn a_block_with_the_organisation_between_position_and_address_is_read() {
    let understood = understand(&reply(
        "I won't be able to travel. I'd like to nominate Jennifer to attend on my behalf:\n\n\
         Jennifer Walsh\nDirector, Digital Government\nTechnology Services Division | City of \
         Toronto\njennifer.walsh@x.example.net\nT: 416-555-0142\n\nBest,\nAna\n",
    ));
    assert_eq!(understood.kinds, vec![ReplyKind::Registration]);
    assert!(!understood.itself);
    assert_eq!(
        understood.attendees,
        vec![attendee(
            "Jennifer Walsh",
            "Director, Digital Government",
            "jennifer.walsh@x.example.net"
        )]
    );
}

#[test]
fn requests_the_record_fulfils_are_no_questions() {
    assert_eq!(
        kinds(
            "Había inscrito a Rodrigo Fuentes, pero él no va a poder viajar. ¿Me lo pueden \
             sacar de la lista? Yo voy igual."
        ),
        vec![ReplyKind::RegistrationCancel]
    );
    assert_eq!(
        kinds(
            "Je participerai. Pourriez-vous m'adresser la confirmation d'inscription dès que \
             possible ?"
        ),
        vec![ReplyKind::Registration]
    );
    assert_eq!(
        kinds(
            "Mme Diallo est en mission ; elle reviendra vers vous pour confirmer sa participation."
        ),
        vec![ReplyKind::Other]
    );
}

#[test]
fn the_forms_lines_do_not_tell_the_language() {
    let text = "Veuillez trouver ci-dessous le formulaire d'inscription rempli.\n\n\
                ATTENDEE 1\nName: BENALI Youssef\nPosition: Directeur\n\
                I will attend sessions (keep the numbers that apply): 1 2 3 4\n\n\
                ATTENDEE 2\nName: EL AMRANI Nadia\n\
                I will attend sessions (keep the numbers that apply): 2 4\n";
    assert_eq!(language::language(text), Some("fr"));
}

#[test]
fn an_absence_until_a_date_is_no_decline() {
    assert_eq!(
        kinds(
            "Accusé de réception, avec nos remerciements. Mme Mansour est en déplacement \
             jusqu'au 12 septembre ; dès son retour, elle vous fera part de sa décision."
        ),
        vec![ReplyKind::Other]
    );
    assert_eq!(
        kinds("Je serai en déplacement à ces dates et ne pourrai me joindre à vous."),
        vec![ReplyKind::Declines]
    );
}

#[test]
fn an_assistant_saying_he_or_she_comes_gives_the_member_a_seat() {
    let raw = "From: Jennifer Alvarez <jennifer@x.example.net>\r\n\
               To: circulars+c030.x@reply.example.org\r\nSubject: Re: Circular 30\r\n\
               Content-Type: text/plain; charset=utf-8\r\n\r\n\
               I am writing on behalf of Michael Chen, who has asked me to confirm that he \
               will be participating in the meeting.\r\n\r\nMr. Chen will be accompanied by:\r\n\r\n\
               Ravi Deshpande\r\nDirector, Data & Analytics\r\nravi@x.example.net\r\n\r\n\
               Thank you,\r\nJennifer\r\n\r\n> Dear Michael Chen,\r\n> With the aim of …\r\n";
    let understood = understand(&crate::inbound::read::read(raw.as_bytes()));
    assert!(understood.itself, "{:?}", understood.reasons);
    assert_eq!(
        understood.attendees,
        vec![attendee(
            "Ravi Deshpande",
            "Director, Data & Analytics",
            "ravi@x.example.net"
        )]
    );
    // Travelling somewhere else is no coming.
    assert_eq!(
        kinds("I will be travelling to Kumasi that week, so Bilbao is out for me, sorry."),
        vec![ReplyKind::Other]
    );
}

#[test]
fn checking_whether_asks_and_a_question_asked_first_outweighs_a_pending_decision() {
    assert_eq!(
        kinds("Just checking whether observer members are able to take part in the meeting."),
        vec![ReplyKind::Question]
    );
    assert_eq!(
        kinds(
            "Les confirmo que quedo inscripta. Quería consultarles si va a haber interpretación \
             al español, porque estamos evaluando si viajan dos colegas"
        ),
        vec![ReplyKind::Registration, ReplyKind::Question]
    );
    assert_eq!(
        kinds("Solicito se sirvan dejar sin efecto mi inscripción a la reunión de Bilbao."),
        vec![ReplyKind::RegistrationCancel]
    );
}

#[test]
fn whether_i_can_make_it_is_no_decision_yet() {
    assert_eq!(
        kinds(
            "I haven't been able to check yet whether I can make it to Bilbao; I'll come back to you."
        ),
        vec![ReplyKind::Other]
    );
    let understood = understand(&reply(
        "Je serai bien présente à Bilbao, accompagnée de Pierre Le Gall, chef de projet \
         (pierre@x.example.net).",
    ));
    assert!(understood.itself, "{:?}", understood.reasons);
}
